"""Build the Folium maps of the planners' pages, and each page from its map and its data.

Folium builds each map: base layer, one empty layer group per data layer, the layer switcher,
the scale bar, the forest vector tiles and (on ``/check``) the drawing tools. The browser then
fetches the layers from our own GeoJSON and tile endpoints and fills the groups
(``static/map/*.js``); the page builder never queries the database and never embeds a layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

import folium
import shapely.geometry
from branca.element import Figure
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.plugins import Draw, VectorGridProtobuf
from folium.template import Template
from markupsafe import Markup

from app.map import assets, edit_form
from app.map.i18n import Lang, source_quality_label, texts, translator
from app.map.render import PageContext, render_page
from app.models.enums import ClearanceStatus, ForestCategory, SiteKind
from app.schemas.dashboard import Dashboard
from app.schemas.site import SiteFacts
from app.settings import Settings
from spatial.crs import TM3_ZONES

Bounds = tuple[tuple[float, float], tuple[float, float]]
Layers = dict[str, Layer]  # layer key (as common.js knows it) → Folium layer
# Initial view: the demo provinces, Lào Cai and Lai Châu ((south, west), (north, east)).
REGION_BOUNDS: Bounds = ((21.32, 102.3), (22.85, 105.1))
# The registry's provinces; neighbours are clipped in the data, so their cut edges would look
# like real boundaries.
PROVINCES = ("Lào Cai", "Lai Châu")
SITES_URL = "/api/v1/sites?limit=1000"
SEARCH_URL = "/api/v1/sites"
# The offline base map's background (scripts/build_basemap.py): land, border, rivers.
BASEMAP_URL = "/static/map/basemap.geojson"
FOREST_TILES_URL = "/ogc/collections/forest/tiles/WebMercatorQuad/{z}/{y}/{x}"
CHECK_URL = "/api/v1/analysis/check"
CHECK_REPORT_URL = "/api/v1/analysis/check/report"
BOUNDARY_URL = "/api/v1/analysis/boundary"
ME_URL = "/api/v1/me"
DECISIONS_URL = "/api/v1/decisions"
DRAFTS_URL = "/api/v1/drafts"
# Roles whose pages show the edit tools, and those that review drafts (the API decides).
WRITERS = ("editor", "approver", "admin")
REVIEWERS = ("approver", "admin")
# Scripts shared by the pages that preview a change (site page, drafts page) and edit a site.
CHANGE_SCRIPTS = ("report", "changes")
VN2000_ZONES = (9208, 9205)
SITE_KINDS = tuple(kind.value for kind in SiteKind)
CLEARANCE_STATUSES = tuple(status.value for status in ClearanceStatus)
FOREST_CATEGORIES = tuple(category.value for category in ForestCategory)
CHART_SITES = 15
SITE_LEGEND_PX = (270, 24)  # the site map's legend (bottom right) is about 250 px wide
# Drawn shapes go to the pane common.js creates above the sites; check.js styles them.
PROPOSAL = {"pane": "srProposal"}


VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def as_of_text(value: datetime | None) -> str | None:
    """Return a recorded time as a page shows it: Vietnam's local time (None stays None)."""
    if value is None:
        return None
    return value.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S (UTC+7)")


def items_url(collection: str, **filters: str) -> str:
    """Return the OGC API items URL of ``collection`` (GeoJSON, big pages, optional filters)."""
    query = "".join(f"&{name}={value}" for name, value in filters.items())
    return f"/ogc/collections/{collection}/items?f=json&limit=1000{query}"


@dataclass(frozen=True)
class FoliumParts:
    """A rendered Folium map, split into the parts the page template places."""

    header: Markup
    html: Markup
    script: Markup


@dataclass(frozen=True)
class Download:
    """A download link of the site page."""

    label: str
    url: str


def downloads(code: str, lang: Lang = "vi") -> list[Download]:
    """Return the download links of one site (the bundles hold its parcels and infrastructure)."""
    t = translator(lang)
    boundary = f"/api/v1/export/sites/{code}/boundary"
    return [
        Download("GeoJSON", f"/api/v1/export/sites.geojson?code={code}"),
        Download("GeoPackage", f"/api/v1/export/sites/{code}.gpkg"),
        Download("Shapefile (.zip)", f"/api/v1/export/sites/{code}.shp.zip"),
        Download("KML", f"/api/v1/export/sites/{code}.kml"),
        *(
            Download(t(f"boundary.download_{ext}"), f"{boundary}.{ext}?lang={lang}")
            for ext in ("csv", "xlsx", "dxf")
        ),
    ]


class PageScript(JSCSSMixin, folium.MacroElement):
    """Start sitereg's script of one page with the map, its layer groups and a JSON config."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            sitereg.{{ this.page }}.start({{ this._parent.get_name() }}, {
            {%- for key, layer in this.layers.items() %}
                {{ key|tojson }}: {{ layer.get_name() }},
            {%- endfor %}
            }, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(
        self, page: str, layers: Layers, config: Any, extras: tuple[str, ...] = ()
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # folium is untyped
        self._name = "PageScript"
        self.page = page
        self.layers = layers
        self.config = config
        self.default_js = [
            ("proj4", assets.PROJ4_JS),
            ("sitereg_common", assets.COMMON_JS),
            ("sitereg_legend", assets.LEGEND_JS),
            ("sitereg_basemap", assets.BASEMAP_JS),
            *((f"sitereg_{extra}", assets.page_js(extra)) for extra in extras),
            (f"sitereg_{page}", assets.page_js(page)),
        ]
        self.default_css = [("sitereg_css", assets.SITEREG_CSS)]


class EditingTools(JSCSSMixin, folium.MacroElement):
    """Load Leaflet.draw for pages that draw only once someone signed in starts an edit."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # folium is untyped
        self._name = "EditingTools"
        self.default_js = [("leaflet_draw_js", assets.LOCAL_ASSETS["leaflet_draw_js"] or "")]
        self.default_css = [("leaflet_draw_css", assets.LOCAL_ASSETS["leaflet_draw_css"] or "")]


def base_map(
    settings: Settings,
    lang: Lang,
    bounds: Bounds = REGION_BOUNDS,
    clear_bottom_right: tuple[int, int] = (24, 24),
) -> folium.Map:
    """Return an empty map of ``bounds`` with a scale bar and the online base map, if any.

    ``clear_bottom_right`` (pixels) keeps the bounds clear of a legend in that corner.

    The offline base map (``_reference_layers``) is the one shown; the online XYZ base map
    (``SITEREG_MAP__ONLINE_BASEMAP``, OpenStreetMap by default) is offered beside it in the
    layer switcher, never shown first, so a page opened offline draws everything it has.
    """
    fmap = folium.Map(
        location=None,
        tiles=None,
        control_scale=True,
        zoom_control=True,
        min_zoom=6,
        max_zoom=18,
        zoom_snap=0.25,  # fit the region or a site snugly, not to the next whole zoom level
    )
    fmap.fit_bounds(bounds, padding_top_left=(24, 24), padding_bottom_right=clear_bottom_right)
    return fmap


def _online_basemap(fmap: folium.Map, settings: Settings, lang: Lang) -> None:
    url = settings.map.online_tile_url
    if url:
        folium.TileLayer(
            tiles=url,
            attr=settings.map.tile_attribution or url,
            name=translator(lang)("layer.basemap_online"),
            overlay=False,
            show=False,
            max_zoom=19,
        ).add_to(fmap)


def _group(fmap: folium.Map, lang: Lang, key: str, *, show: bool = True) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=translator(lang)(f"layer.{key}"), show=show)
    group.add_to(fmap)
    return group


def _forest_tiles(fmap: folium.Map, lang: Lang) -> VectorGridProtobuf:
    # A string of options lets the style and id functions be JavaScript (sitereg.forest in
    # common.js); Folium would camelize the keys of a dict.
    options = (
        "{rendererFactory: L.canvas.tile, interactive: true, maxNativeZoom: 14, "
        "vectorTileLayerStyles: sitereg.forest.styles, getFeatureId: sitereg.forest.featureId}"
    )
    # Not shown by Folium: the page script switches it on once the GeoJSON layers are drawn
    # (sitereg.showForest), so the page is interactive before the tiles stream in.
    tiles = VectorGridProtobuf(
        FOREST_TILES_URL, name=translator(lang)("layer.forest"), options=options, show=False
    )
    tiles.add_to(fmap)
    return tiles


def _common_config(lang: Lang) -> dict[str, Any]:
    return {
        "lang": lang,
        "texts": texts(lang),
        "siteUrl": "/sites/{code}" + ("?lang=en" if lang == "en" else ""),
        "vn2000": {str(srid): TM3_ZONES[srid].proj4() for srid in VN2000_ZONES},
        "sitesUrl": SITES_URL,
        "searchUrl": SEARCH_URL,
    }


def _reference_layers(fmap: folium.Map, settings: Settings, lang: Lang) -> Layers:
    """Add the layers every map shows: base maps, protected areas, forest, communes, provinces.

    Drawing order comes from Leaflet panes (common.js), so layers are added in the order the
    layer switcher should list them. The offline base map (basemap.js) is a base layer: the
    switcher offers it, the online one (when configured) and none, as radio buttons.
    """
    t = translator(lang)
    basemap = folium.FeatureGroup(name=t("layer.basemap_offline"), overlay=False, show=True)
    basemap.add_to(fmap)
    _online_basemap(fmap, settings, lang)
    folium.FeatureGroup(name=t("layer.basemap_none"), overlay=False, show=False).add_to(fmap)
    return {
        "basemap": basemap,
        "protected_areas": _group(fmap, lang, "protected_areas"),
        "forest": _forest_tiles(fmap, lang),
        "communes": _group(fmap, lang, "communes"),
        "provinces": _group(fmap, lang, "provinces"),
    }


def _reference_urls() -> dict[str, str]:
    names = ", ".join(f"'{name}'" for name in PROVINCES)
    return {
        "basemap": BASEMAP_URL,
        "basemap_provinces": items_url("provinces"),
        "provinces": items_url("provinces", filter=quote(f"name IN ({names})")),
        "communes": items_url("communes"),
        "protected_areas": items_url("protected_areas"),
    }


def home_map(settings: Settings, lang: Lang) -> folium.Map:
    """Return the registry map: every layer, the switcher, search, legend and coordinates."""
    fmap = base_map(settings, lang)
    layers: Layers = {f"sites_{kind}": _group(fmap, lang, f"sites_{kind}") for kind in SITE_KINDS}
    layers["site_labels"] = _group(fmap, lang, "site_labels")
    layers["clearance_parcels"] = _group(fmap, lang, "clearance_parcels")
    layers["infrastructure"] = _group(fmap, lang, "infrastructure")
    layers.update(_reference_layers(fmap, settings, lang))
    # Collapsed into its button: home.js opens it on wide screens, a phone keeps the map.
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    config = {
        **_common_config(lang),
        "urls": {
            **_reference_urls(),
            "clearance_parcels": items_url("clearance_parcels"),
            "infrastructure": items_url("infrastructure"),
        },
    }
    PageScript("home", layers, config).add_to(fmap)
    return fmap


def site_map(
    settings: Settings,
    lang: Lang,
    code: str,
    kind: str,
    bounds: Bounds,
    as_of: str | None = None,
) -> folium.Map:
    """Return the map of one site: its outline, parcels, infrastructure and forest overlap.

    ``bounds`` is the site's ((south, west), (north, east)) in EPSG:4326 degrees; ``as_of``
    (an ISO time in UTC) makes every layer read the registry as it was recorded then.
    """
    when = {"as_of": as_of} if as_of else {}
    suffix = f"&as_of={as_of}" if as_of else ""
    fmap = base_map(settings, lang, bounds, clear_bottom_right=SITE_LEGEND_PX)
    layers: Layers = {
        key: _group(fmap, lang, key)
        for key in ("site", "clearance_parcels", "infrastructure", "forest_overlap")
    }
    layers.update(_reference_layers(fmap, settings, lang))
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    config = {
        **_common_config(lang),
        "code": code,
        "kind": kind,
        "urls": {
            "site": f"/api/v1/sites/{code}" + (f"?as_of={as_of}" if as_of else ""),
            "forest_overlap": f"/api/v1/sites/{code}/forest-overlap?format=geojson{suffix}",
            **_reference_urls(),
            "clearance_parcels": items_url("clearance_parcels", site_code=code, **when),
            "infrastructure": items_url("infrastructure", site_code=code, **when),
            **change_urls(code),
        },
    }
    EditingTools().add_to(fmap)
    PageScript("site", layers, config, (*CHANGE_SCRIPTS, "edit", "history")).add_to(fmap)
    return fmap


def change_urls(code: str) -> dict[str, str]:
    """Return the URLs the site page edits, previews, reviews and dates one site with."""
    quoted = quote(code, safe="")
    return {
        "me": ME_URL,
        "item": f"/ogc/collections/sites/items/{quoted}",
        "preview": f"/api/v1/sites/{quoted}/preview",
        "boundary": BOUNDARY_URL,
        "decisions": DECISIONS_URL,
        "drafts": DRAFTS_URL,
        "history": f"/api/v1/sites/{quoted}/history",
        "version": f"/api/v1/sites/{quoted}/versions/{{version}}",
    }


def check_map(settings: Settings, lang: Lang) -> folium.Map:
    """Return the proposal-check map: drawing tools, the sites and the reference layers."""
    fmap = base_map(settings, lang)
    layers: Layers = {
        "proposal": _group(fmap, lang, "proposal"),
        "overlaps": _group(fmap, lang, "overlaps"),
    }
    for kind in SITE_KINDS:
        layers[f"sites_{kind}"] = _group(fmap, lang, f"sites_{kind}")
    layers["site_labels"] = _group(fmap, lang, "site_labels")
    layers.update(_reference_layers(fmap, settings, lang))
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    config = {
        **_common_config(lang),
        "urls": {
            "check": CHECK_URL,
            "report": CHECK_REPORT_URL,
            **_reference_urls(),
        },
    }
    # Before Draw: the script translates Leaflet.draw's texts before its toolbar is built.
    PageScript("check", layers, config, ("report",)).add_to(fmap)
    Draw(  # type: ignore[no-untyped-call]  # folium is untyped
        feature_group=layers["proposal"],
        position="topleft",
        show_geometry_on_click=False,
        draw_options={
            "polyline": False,
            "circle": False,
            "marker": False,
            "circlemarker": False,
            # showArea needs Leaflet.draw's readableArea, which throws under Leaflet 1.9.
            "polygon": {"allowIntersection": False, "showArea": False, "shapeOptions": PROPOSAL},
            "rectangle": {"showArea": False, "shapeOptions": PROPOSAL},
        },
        edit_options={"poly": {"allowIntersection": False}},
    ).add_to(fmap)
    return fmap


def drafts_map(settings: Settings, lang: Lang) -> folium.Map:
    """Return the map of the drafts page: the sites and reference layers, for the previews."""
    fmap = base_map(settings, lang)
    layers: Layers = {f"sites_{kind}": _group(fmap, lang, f"sites_{kind}") for kind in SITE_KINDS}
    layers["site_labels"] = _group(fmap, lang, "site_labels")
    layers.update(_reference_layers(fmap, settings, lang))
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    config = {
        **_common_config(lang),
        "urls": {**_reference_urls(), "me": ME_URL, "drafts": DRAFTS_URL},
    }
    PageScript("drafts", layers, config, CHANGE_SCRIPTS).add_to(fmap)
    return fmap


FOLIUM_VIEWPORT: Final = re.compile(r"<meta\s+name=\"viewport\"[^>]*>")
VIEWPORT: Final = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def render_folium(fmap: folium.Map) -> FoliumParts:
    """Render ``fmap`` with local assets only, split into header, body and script parts."""
    figure = fmap.get_root()
    assert isinstance(figure, Figure)
    assets.localize(figure)
    figure.render()  # renders the children, which fill the figure's header, html and script
    # Folium's own viewport tag forbids zooming the page (maximum-scale=1, user-scalable=no),
    # which fails WCAG 1.4.4 on phones: the map pages get the layout's tag, which allows it.
    header = FOLIUM_VIEWPORT.sub(VIEWPORT, figure.header.render())
    return FoliumParts(
        header=Markup(header),
        html=Markup(figure.html.render()),
        script=Markup(figure.script.render()),
    )


def home_page(settings: Settings, context: PageContext) -> str:
    """Return the HTML of ``/``: the registry map."""
    return render_page("home.html", context, folium=render_folium(home_map(settings, context.lang)))


def check_page(settings: Settings, context: PageContext) -> str:
    """Return the HTML of ``/check``: draw or upload a boundary and see what it would take."""
    fmap = check_map(settings, context.lang)
    return render_page("check.html", context, folium=render_folium(fmap))


def drafts_page(settings: Settings, context: PageContext) -> str:
    """Return the HTML of ``/drafts``: the pending drafts a reviewer may approve or reject."""
    fmap = drafts_map(settings, context.lang)
    return render_page(
        "drafts.html", context, folium=render_folium(fmap), reviewer=context.role in REVIEWERS
    )


def site_bounds(geometry: dict[str, Any]) -> Bounds:
    """Return ((south, west), (north, east)) of a GeoJSON geometry in EPSG:4326 degrees."""
    west, south, east, north = shapely.geometry.shape(geometry).bounds
    return ((south, west), (north, east))


def site_page(settings: Settings, context: PageContext, facts: SiteFacts) -> str:
    """Return the HTML of ``/sites/{code}``: the site's map, facts, overlaps and downloads."""
    code = facts.site.id
    kind = facts.site.properties.kind
    as_of = facts.as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if facts.as_of else None
    bounds = site_bounds(facts.site.geometry)
    fmap = site_map(settings, context.lang, code, kind, bounds, as_of)
    return render_page(
        "site.html",
        context,
        folium=render_folium(fmap),
        site=facts.site.properties,
        quality=source_quality_label(facts.site.properties.source_quality, context.lang),
        forest=facts.forest,
        clearance=facts.clearance,
        downloads=downloads(code, context.lang),
        as_of=as_of_text(facts.as_of),
        # A page of the past is read-only: no edit form, no drafts.
        edit_fields=edit_form.fields(kind) if context.role in WRITERS and not facts.as_of else (),
        reviewer=context.role in REVIEWERS and not facts.as_of,
    )


def chart_data(dashboard: Dashboard, lang: Lang) -> dict[str, Any]:
    """Return the dashboard charts' numbers: clearance per site and forest overlap per kind.

    Series are ``[key, values]`` pairs, in the order the charts stack them.
    """
    t = translator(lang)
    with_parcels = [site for site in dashboard.clearance_sites if site.parcels][:CHART_SITES]
    statuses = reversed(CLEARANCE_STATUSES)  # handed over first: progress reads left to right
    groups = dashboard.forest_by_kind
    return {
        "clearance": {
            "labels": [site.site_name for site in with_parcels],
            "series": [
                [status, [round(getattr(site, f"{status}_ha"), 2) for site in with_parcels]]
                for status in statuses
            ],
        },
        "forest": {
            "labels": [t(f"kind.{group.group}") for group in groups],
            "series": [
                [category, [round(getattr(group, f"{category}_ha"), 2) for group in groups]]
                for category in FOREST_CATEGORIES
            ],
        },
    }


def import_page(context: PageContext) -> str:
    """Return the HTML of ``/import``: upload an official layer file and follow its job."""
    return render_page("import.html", context, texts=texts(context.lang))


def dashboard_page(context: PageContext, dashboard: Dashboard) -> str:
    """Return the HTML of ``/dashboard``: plan targets against the registry's figures."""
    return render_page(
        "dashboard.html",
        context,
        dashboard=dashboard,
        chart_data=chart_data(dashboard, context.lang),
        texts=texts(context.lang),
    )
