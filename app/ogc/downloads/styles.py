"""The web map's look of each collection, as the QML and SLD styles that travel with downloads.

Colours come from the map's own stylesheet (``--sr-*`` in static/map/sitereg.css), widths and
dashes from its Leaflet styles (static/map/common.js), and every label from the one table of
labels per language (:mod:`app.map.i18n`), so a GeoPackage opened in QGIS looks like the map:
sites coloured by kind with indicative outlines dashed, parcels by clearance status, forest by
category and origin, and coded values shown as "Khu công nghiệp", not ``industrial_zone``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from app.map.i18n import LANGS, TEXTS, Lang
from app.models.enums import (
    ClearanceStatus,
    ForestCategory,
    ForestOrigin,
    InfrastructureKind,
    SiteKind,
)
from app.ogc.catalog import Collection
from app.settings import PROJECT_ROOT
from spatial.io.qml import qml
from spatial.io.sld import sld
from spatial.io.styles import Condition, LayerStyle, Rule, Symbol, SymbolKind

STYLESHEET = PROJECT_ROOT / "static" / "map" / "sitereg.css"
INDICATIVE_DASH_PX = (7.0, 5.0)  # INDICATIVE_DASH in static/map/common.js
PROVINCE_DASH_PX = (10.0, 4.0, 2.0, 4.0)
NOTICE_FIELD = "data_notice"
SITE_KINDS = {
    "sites": tuple(SiteKind),
    "industrial_zones": (SiteKind.INDUSTRIAL_ZONE,),
    "industrial_clusters": (SiteKind.INDUSTRIAL_CLUSTER,),
    "mining_sites": (SiteKind.MINING_SITE,),
    "relocation_areas": (SiteKind.RELOCATION_AREA,),
}
# Label group (``<group>.<value>`` in app.map.i18n) of each coded property.
LABEL_GROUPS = {
    "kind": "kind",
    "status": "status",
    "geometry_source": "source",
    "wastewater_status": "wastewater",
    "licence_status": "licence",
    "category": "forest",
    "origin": "origin",
}
LABEL_GROUP_OVERRIDES = {
    ("clearance_parcels", "status"): "clearance",
    ("infrastructure", "kind"): "infra",
    ("infrastructure", "status"): "infra_status",
}
UNLABELLED_LAYERS = frozenset({"forest", "clearance_parcels"})  # too dense for name labels


@cache
def colours() -> dict[str, str]:
    """Return the map's colours by name (``kind-industrial_zone`` → ``#7b2fa1``)."""
    text = STYLESHEET.read_text(encoding="utf-8")
    return dict(re.findall(r"--sr-([\w-]+):\s*(#[0-9a-fA-F]{6})\b", text))


def text(key: str, lang: Lang) -> str:
    """Return the label ``key`` in ``lang``."""
    return str(getattr(TEXTS[key], lang))


def label_group(collection_id: str, name: str) -> str | None:
    """Return the label group of a coded property, or None when its values have no labels."""
    return LABEL_GROUP_OVERRIDES.get((collection_id, name), LABEL_GROUPS.get(name))


def value_labels(collection: Collection, lang: Lang) -> dict[str, dict[str, str]]:
    """Return, per coded property, each stored value's label in ``lang``."""
    labels: dict[str, dict[str, str]] = {}
    for prop in collection.properties:
        group = label_group(collection.id, prop.name)
        if prop.enum and group:
            labels[prop.name] = {value: text(f"{group}.{value}", lang) for value in prop.enum}
    return labels


def _title(collection: Collection, lang: Lang) -> str:
    """Return the Vietnamese or English half of a ``"vi — en"`` catalogue title."""
    halves = collection.title.split(" — ", 1)
    return halves[-1] if lang == "en" else halves[0]


def _with_indicative(label: str, symbol: Symbol, when: Condition, lang: Lang) -> list[Rule]:
    """Return a solid rule and a dashed one for indicative outlines (``geometry_source``)."""
    indicative = Condition("geometry_source", "indicative")
    other = Condition("geometry_source", "indicative", equal=False)
    dashed = replace(symbol, dash_px=INDICATIVE_DASH_PX)
    return [
        Rule(label, symbol, (when, other)),
        Rule(f"{label} — {text('badge.indicative', lang)}", dashed, (when, indicative)),
    ]


def _site_rules(collection: Collection, lang: Lang) -> list[Rule]:
    rules = []
    for kind in SITE_KINDS[collection.id]:
        colour = colours()[f"kind-{kind}"]
        symbol = Symbol(SymbolKind.FILL, colour, 2, 0.95, fill=colour, fill_opacity=0.22)
        when = Condition("kind", kind)
        rules += _with_indicative(text(f"kind.{kind}", lang), symbol, when, lang)
    return rules


def _parcel_rules(lang: Lang) -> list[Rule]:
    rules = []
    for status in ClearanceStatus:
        colour = colours()[f"clearance-{status}"]
        symbol = Symbol(SymbolKind.FILL, colour, 0.7, 0.9, fill=colour, fill_opacity=0.6)
        when = (Condition("status", status),)
        rules.append(Rule(text(f"clearance.{status}", lang), symbol, when))
    return rules


def _infrastructure_rules(lang: Lang) -> list[Rule]:
    # Areas are outlines only, as on the map: they cover whole sites.
    symbol = Symbol(SymbolKind.LINE, colours()["infrastructure"], 2.5, 0.9)
    rules = []
    for kind in InfrastructureKind:
        label = text(f"infra.{kind}", lang)
        rules += _with_indicative(label, symbol, Condition("kind", kind), lang)
    return rules


def _forest_rules(lang: Lang) -> list[Rule]:
    rules = []
    for category in ForestCategory:
        colour = colours()[f"forest-{category}"]
        for origin in ForestOrigin:
            opacity = 0.55 if origin is ForestOrigin.NATURAL else 0.28  # as the forest tiles
            symbol = Symbol(SymbolKind.FILL, colour, 0.6, 0.8, fill=colour, fill_opacity=opacity)
            label = f"{text(f'forest.{category}', lang)} — {text(f'origin.{origin}', lang)}"
            conditions = (Condition("category", category), Condition("origin", origin))
            rules.append(Rule(label, symbol, conditions))
    return rules


def _reference_symbol(collection_id: str) -> Symbol:
    """Return the one symbol of a reference layer (protected areas, units)."""
    c = colours()
    if collection_id == "protected_areas":
        colour = c["protected"]
        return Symbol(SymbolKind.FILL, colour, 2, 1, INDICATIVE_DASH_PX, colour, 0.07)
    if collection_id == "communes":
        return Symbol(SymbolKind.MARKER, c["commune"], 1, 1, fill=c["commune"], fill_opacity=0.8,
                      size_px=5)  # fmt: skip
    if collection_id == "districts_pre2025":
        return Symbol(SymbolKind.FILL, c["commune"], 1.2, 0.8, (6.0, 3.0))
    return Symbol(SymbolKind.FILL, c["province"], 2.5, 0.8, PROVINCE_DASH_PX)


def rules(collection: Collection, lang: Lang) -> list[Rule]:
    """Return the legend rules of a collection, as the web map draws it."""
    if collection.id in SITE_KINDS:
        return _site_rules(collection, lang)
    builders = {
        "clearance_parcels": _parcel_rules,
        "infrastructure": _infrastructure_rules,
        "forest": _forest_rules,
    }
    if collection.id in builders:
        return builders[collection.id](lang)
    return [Rule(_title(collection, lang), _reference_symbol(collection.id))]


def layer_style(collection: Collection, lang: Lang, layer: str | None = None) -> LayerStyle:
    """Return the style of ``collection`` (written as ``layer``) with labels in ``lang``."""
    aliases = {prop.name: prop.title for prop in collection.properties}
    aliases[NOTICE_FIELD] = text("data.synthetic_notice", lang)
    named = "name" in collection.by_name and collection.id not in UNLABELLED_LAYERS
    return LayerStyle(
        layer=layer or collection.id,
        title=_title(collection, lang),
        rules=tuple(rules(collection, lang)),
        aliases=aliases,
        value_labels=value_labels(collection, lang),
        label_field="name" if named else None,
        name=f"sitereg ({lang})",
    )


def layer_styles(collection: Collection, layer: str | None = None) -> tuple[LayerStyle, ...]:
    """Return the layer's styles: Vietnamese first (the default), then English."""
    return tuple(layer_style(collection, lang, layer) for lang in LANGS)


def style_text(collection: Collection, lang: Lang, kind: str) -> str:
    """Return the collection's style in ``lang`` as QML (``kind="qml"``) or SLD text."""
    style = layer_style(collection, lang)
    return qml(style) if kind == "qml" else sld(style)
