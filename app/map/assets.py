"""Local copies of every browser asset the map pages load: nothing comes from a CDN.

Folium classes name their assets in ``default_js``/``default_css`` as ``(name, cdn_url)``.
``localize`` walks a built map and replaces each pair by the copy under ``/static/vendor``
(filled from the npm registry by ``scripts/vendor-assets.sh``), or drops the asset when no
sitereg page uses what it provides. An asset missing from ``LOCAL_ASSETS`` is an error, so a
Folium upgrade or a new plugin cannot quietly bring a CDN URL back.
"""

from __future__ import annotations

from collections.abc import Iterator

from branca.element import Element
from folium.elements import JSCSSMixin

VENDOR = "/static/vendor"
OWN = "/static/map"

# Folium asset name → local URL, or None to drop it.
LOCAL_ASSETS: dict[str, str | None] = {
    # folium.Map
    "leaflet": f"{VENDOR}/leaflet/leaflet.js",
    "leaflet_css": f"{VENDOR}/leaflet/leaflet.css",
    # Dropped: Folium loads jQuery, Bootstrap, Font Awesome and awesome-markers for its marker
    # icons and Bootstrap-styled popups. sitereg's maps draw no icon markers and style popups
    # in static/map/sitereg.css, so the pages load none of them (and stay fast to start).
    "jquery": None,
    "bootstrap": None,
    "awesome_markers": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
    # folium.plugins.Draw
    "leaflet_draw_js": f"{VENDOR}/leaflet-draw/leaflet.draw.js",
    "leaflet_draw_css": f"{VENDOR}/leaflet-draw/leaflet.draw.css",
    # folium.plugins.VectorGridProtobuf
    "vectorGrid": f"{VENDOR}/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js",
}

# Assets of sitereg's own pages: PageScript loads these in order, except Chart.js, which only
# the dashboard template loads.
PROJ4_JS = f"{VENDOR}/proj4/proj4.js"
CHART_JS = f"{VENDOR}/chart.js/chart.umd.min.js"
SITEREG_CSS = f"{OWN}/sitereg.css"
COMMON_JS = f"{OWN}/common.js"
LEGEND_JS = f"{OWN}/legend.js"
BASEMAP_JS = f"{OWN}/basemap.js"


def page_js(page: str) -> str:
    """Return the URL of the script of one page (``home``, ``site``, ``check``, ``dashboard``)."""
    return f"{OWN}/{page}.js"


class UnknownAsset(LookupError):
    """A Folium class names an asset that has no local copy in ``LOCAL_ASSETS``."""


def _local(pairs: list[tuple[str, str]], owner: str) -> list[tuple[str, str]]:
    kept: list[tuple[str, str]] = []
    for name, url in pairs:
        if url.startswith("/"):
            kept.append((name, url))
            continue
        if name not in LOCAL_ASSETS:
            raise UnknownAsset(
                f"{owner} loads '{name}' from {url}: add a local copy to app/map/assets.py"
            )
        local = LOCAL_ASSETS[name]
        if local is not None:
            kept.append((name, local))
    return kept


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def localize(root: Element) -> None:
    """Point every asset of every Folium element under ``root`` at its local copy.

    The lists are replaced on the instances; Folium's class-level lists stay untouched.

    Raises:
        UnknownAsset: when an element loads an asset that ``LOCAL_ASSETS`` does not know.
    """
    for element in _walk(root):
        if isinstance(element, JSCSSMixin):
            owner = type(element).__name__
            element.default_js = _local(list(element.default_js), owner)
            element.default_css = _local(list(element.default_css), owner)
