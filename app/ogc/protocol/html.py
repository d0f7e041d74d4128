"""HTML views of the OGC resources (Jinja templates in ``app/templates/ogc``, no remote assets)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.ogc.features import fetch
from app.ogc.features.query import FeatureQuery
from app.ogc.protocol import links
from app.settings import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "app" / "templates"


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """Return the template environment, built on first use."""
    return Jinja2Templates(directory=str(TEMPLATES_DIR))


def render(request: Request, name: str, **context: Any) -> HTMLResponse:
    """Render ``ogc/<name>.html`` with links back to the JSON form."""
    context.setdefault("json_href", links.with_format(request, "json"))
    return templates().TemplateResponse(request, f"ogc/{name}.html", context)


def _rows(features: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    columns: list[str] = []
    for feature in features:
        for key in feature.get("properties") or {}:
            if key not in columns:
                columns.append(key)
    return columns, features


def items_page(request: Request, query: FeatureQuery, page: fetch.Page) -> HTMLResponse:
    """Render a page of features as a table with paging links."""
    features = [json.loads(text) for text in page.features]
    columns, rows = _rows(features)
    limit = query.limit or len(features)
    paging = links.items_page_links(request, page.next_cursor, limit, query.position)
    for item in paging:
        item["href"] = item["href"] + "&f=html" if "f=" not in item["href"] else item["href"]
    return render(
        request,
        "items",
        collection=query.collection,
        columns=columns,
        features=rows,
        matched=page.matched,
        paging=paging,
        crs=query.crs,
    )


def feature_page(request: Request, query: FeatureQuery, feature: dict[str, Any]) -> HTMLResponse:
    """Render one feature's properties and geometry type."""
    return render(request, "feature", collection=query.collection, feature=feature, crs=query.crs)
