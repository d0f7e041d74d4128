import folium
import pytest
from folium.plugins import Draw, VectorGridProtobuf

from app.map import assets
from app.map.page import check_map, home_map
from app.settings import PROJECT_ROOT, Settings


def test_assets_localize_points_every_folium_asset_at_static():
    fmap = home_map(Settings(), "vi")
    assets.localize(fmap.get_root())
    vector_tiles = next(
        child for child in fmap._children.values() if isinstance(child, VectorGridProtobuf)
    )
    urls = [url for _, url in fmap.default_js + fmap.default_css + vector_tiles.default_js]
    assert urls and all(url.startswith("/static/") for url in urls)


def test_assets_localize_leaves_folium_class_defaults_alone():
    before = list(folium.Map.default_js)
    assets.localize(check_map(Settings(), "vi").get_root())
    assert folium.Map.default_js == before
    assert Draw.default_js[0][1].startswith("https://")


def test_assets_unknown_cdn_asset_is_an_error():
    fmap = folium.Map(tiles=None)
    fmap.default_js = [*fmap.default_js, ("new_plugin", "https://cdn.example.org/plugin.js")]
    with pytest.raises(assets.UnknownAsset, match="new_plugin"):
        assets.localize(fmap.get_root())


def test_assets_every_local_file_is_vendored():
    local = [url for url in assets.LOCAL_ASSETS.values() if url is not None]
    local += [
        assets.PROJ4_JS,
        assets.CHART_JS,
        assets.SITEREG_CSS,
        assets.COMMON_JS,
        assets.LEGEND_JS,
    ]
    local += [assets.page_js(page) for page in ("home", "site", "check", "dashboard")]
    missing = [url for url in local if not (PROJECT_ROOT / url.lstrip("/")).is_file()]
    assert missing == [], "run `bash scripts/vendor-assets.sh` (part of `make setup`)"
