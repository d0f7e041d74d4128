"""Layer styles that travel with downloads: symbols, rules and value labels, nothing drawn.

A :class:`LayerStyle` says what the web map shows for one layer: one rule per category (a fill
or a line with its colour, width and dash) and, per coded field, the label of each value. It is
written as QGIS QML (:mod:`spatial.io.qml`) and OGC SLD 1.0 (:mod:`spatial.io.sld`), and stored
in a GeoPackage's ``layer_styles`` table. Colours are ``#rrggbb``; widths and dashes are screen
pixels, as the web map's Leaflet styles state them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum


class SymbolKind(StrEnum):
    """What a rule draws: an area, a line or a point marker."""

    FILL = "fill"
    LINE = "line"
    MARKER = "marker"


@dataclass(frozen=True)
class Symbol:
    """One symbol: outline colour, width and dash (pixels); fill colour and opacity (0-1)."""

    kind: SymbolKind
    stroke: str
    stroke_width_px: float = 1.0
    stroke_opacity: float = 1.0
    dash_px: tuple[float, ...] = ()
    fill: str | None = None
    fill_opacity: float = 0.0
    size_px: float = 8.0


@dataclass(frozen=True)
class Condition:
    """``field`` equals (or, with ``equal=False``, differs from) ``value``."""

    field: str
    value: str
    equal: bool = True

    def expression(self) -> str:
        """Return the condition as a QGIS expression (``"kind" = 'industrial_zone'``)."""
        quoted = self.value.replace("'", "''")
        operator = "=" if self.equal else "<>"
        return f"\"{self.field}\" {operator} '{quoted}'"


@dataclass(frozen=True)
class Rule:
    """Features matching every condition (all features when there is none) get ``symbol``."""

    label: str
    symbol: Symbol
    conditions: tuple[Condition, ...] = ()

    def expression(self) -> str:
        """Return the rule's filter as a QGIS expression ('' matches everything)."""
        return " AND ".join(condition.expression() for condition in self.conditions)


@dataclass(frozen=True)
class LayerStyle:
    """The style of one layer: its rules, field aliases, value labels and label field."""

    layer: str
    title: str
    rules: tuple[Rule, ...]
    aliases: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    label_field: str | None = None
    name: str = "sitereg"


def renamed(style: LayerStyle, names: Mapping[str, str], layer: str) -> LayerStyle:
    """Return ``style`` for a copy of its layer called ``layer`` whose fields are renamed.

    A Shapefile's 10-character field names (``geometry_source`` → ``geom_src``) need their own
    filters, aliases and value maps.
    """

    def new(name: str) -> str:
        return names.get(name, name)

    rules = tuple(
        replace(rule, conditions=tuple(replace(c, field=new(c.field)) for c in rule.conditions))
        for rule in style.rules
    )
    return replace(
        style,
        layer=layer,
        rules=rules,
        aliases={new(name): alias for name, alias in style.aliases.items()},
        value_labels={new(name): labels for name, labels in style.value_labels.items()},
        label_field=new(style.label_field) if style.label_field else None,
    )
