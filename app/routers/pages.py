"""The home page (a placeholder until the planners' map lands)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["pages"])

_HOME = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>sitereg — Sổ đăng ký KCN, CCN, mỏ</title>
<style>body{font-family:sans-serif;max-width:46rem;margin:2rem auto;line-height:1.5}</style></head>
<body><h1>sitereg</h1>
<p>Sổ đăng ký không gian các khu công nghiệp, cụm công nghiệp, mỏ khoáng sản và khu di dời
(Lào Cai, Lai Châu). <em>Geospatial registry of industrial zones, clusters, mines and
relocation areas.</em></p>
<ul>
<li><a href="/api/v1/sites">/api/v1/sites</a> — GeoJSON (lọc: kind, status, province, bbox, q)</li>
<li><a href="/api/v1/sites?q=tang%20loong">/api/v1/sites?q=tang loong</a> — tìm không dấu</li>
<li><a href="/api/v1/targets">/api/v1/targets</a> — chỉ tiêu kế hoạch</li>
<li><a href="/docs">/docs</a> — OpenAPI</li>
<li><a href="/healthz">/healthz</a></li>
</ul>
<p>Bản đồ tương tác sẽ thay trang này. <em>The interactive map will replace this page.</em></p>
</body></html>
"""


@router.get("/", response_class=HTMLResponse, summary="Home page", include_in_schema=False)
def home() -> str:
    """Return the home page; it loads no asset from the internet."""
    return _HOME
