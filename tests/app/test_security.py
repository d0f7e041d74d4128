"""Security headers, the CSP nonce of HTML pages, CORS origins and the public base URL."""

import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.security import content_security_policy, tile_origin, with_nonce
from app.settings import SecuritySettings, Settings

PAGES = ("/", "/check", "/dashboard", "/sites/KCN-TANG-LOONG", "/ogc?f=html", "/docs")
NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")


def _nonce(policy: str) -> str:
    found = NONCE.search(policy)
    assert found, policy
    return found.group(1)


@pytest.mark.parametrize("path", PAGES)
def test_security_html_pages_carry_a_csp_whose_nonce_is_on_every_inline_tag(
    client: TestClient, path: str
):
    response = client.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    nonce = _nonce(policy)
    tags = re.findall(r"<(?:script|style)\b[^>]*>", response.text)
    assert tags
    assert all(f'nonce="{nonce}"' in tag for tag in tags), tags
    assert ' style="' not in response.text  # inline style attributes would be refused
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_security_each_response_has_a_new_nonce(client: TestClient):
    first, second = (client.get("/").headers["content-security-policy"] for _ in range(2))
    assert _nonce(first) != _nonce(second)


def test_security_json_gets_nosniff_and_no_csp(client: TestClient):
    response = client.get("/api/v1/sites")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers


def test_security_nonce_goes_on_tags_not_on_script_strings():
    html = b'<style>a{}</style><script>var s = "<style>";</script><script\nsrc=x></script>'
    html += b"<span><strong><scripts><SCRIPT>"
    assert with_nonce(html, "N") == (
        b'<style nonce="N">a{}</style><script nonce="N">var s = "<style>";</script>'
        b'<script nonce="N"\nsrc=x></script><span><strong><scripts><SCRIPT>'
    )


def test_security_base_map_tiles_are_allowed_images():
    assert tile_origin("https://{s}.tile.example.vn/{z}/{x}/{y}.png") == "https://*.tile.example.vn"
    assert tile_origin("/tiles/{z}/{x}/{y}.png") is None
    policy = content_security_policy("N", frame_ancestors="'self'", tile_origin="https://t.vn")
    assert "img-src 'self' data: blob: https://t.vn" in policy


def test_security_cors_only_for_configured_origins(database_url: str):
    allowed = "https://portal.example.gov.vn"
    app = create_app(Settings(database_url=database_url, cors_origins=[allowed]))
    with TestClient(app) as client:
        good = client.get("/ogc", headers={"Origin": allowed})
        bad = client.get("/ogc", headers={"Origin": "https://evil.example"})
    assert good.headers["access-control-allow-origin"] == allowed
    assert "access-control-allow-origin" not in bad.headers


def test_security_links_use_the_public_base_url_not_the_host_header(database_url: str):
    public = "https://sitereg.example.gov.vn"
    settings = Settings(
        database_url=database_url, security=SecuritySettings(public_base_url=public + "/")
    )
    with TestClient(create_app(settings)) as client:
        body = client.get("/ogc?f=json", headers={"Host": "evil.example"}).json()
        items = client.get(
            "/ogc/collections/sites/items?limit=1", headers={"Host": "evil.example"}
        ).json()
    hrefs = [link["href"] for link in body["links"] + items["links"]]
    assert hrefs and all(href.startswith(public + "/") for href in hrefs), hrefs


def test_security_public_base_url_must_be_an_origin():
    with pytest.raises(ValueError, match="origin"):
        SecuritySettings(public_base_url="https://example.vn/some/path")
