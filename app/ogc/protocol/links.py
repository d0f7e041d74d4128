"""Hypermedia links (self, alternate, next, prev, collection) and output-format negotiation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from fastapi import Request
from starlette.datastructures import URL

from app.errors import InvalidParameter

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
MVT = "application/vnd.mapbox-vector-tile"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
REL_TILESETS = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_TILING_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"


def link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, Any]:
    """Return one link object."""
    item: dict[str, Any] = {"href": href, "rel": rel, "type": media_type}
    if title:
        item["title"] = title
    return item


# Characters a URI keeps as they are (RFC 3986 reserved and unreserved, and "%" of escapes).
URI_SAFE = "/:?#[]@!$&'()*+,;=%-._~"


def link_header(items: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Return the links as a ``Link`` header (RFC 8288), as OGC API – Features Part 1 recommends.

    A title that is not plain ASCII (Vietnamese) goes as ``title*`` in RFC 8187 form, since a
    header carries Latin-1 at most; a target is percent-encoded for the same reason.
    """
    values = []
    for item in items:
        attributes = [f"<{quote(item['href'], safe=URI_SAFE)}>", f'rel="{item["rel"]}"']
        if item.get("type"):
            attributes.append(f'type="{item["type"]}"')
        title = item.get("title")
        if title and title.isascii() and '"' not in title and "\\" not in title:
            attributes.append(f'title="{title}"')
        elif title:
            attributes.append(f"title*=UTF-8''{quote(title, safe='')}")
        values.append("; ".join(attributes))
    return {"Link": ", ".join(values)} if values else {}


def url(request: Request, path: str, **params: Any) -> str:
    """Return the absolute URL of ``path`` on this server, with query parameters."""
    base = str(request.base_url).rstrip("/") + path
    query = {key: value for key, value in params.items() if value is not None}
    return str(URL(base).include_query_params(**query)) if query else base


def with_format(request: Request, fmt: str) -> str:
    """Return the current URL with ``f`` set to ``fmt``."""
    return str(request.url.include_query_params(f=fmt))


def self_and_alternate(request: Request, media_type: str) -> list[dict[str, Any]]:
    """Return the self link (``media_type``) and its HTML or JSON alternate."""
    if media_type == HTML:
        return [
            link(with_format(request, "html"), "self", HTML, "This document"),
            link(with_format(request, "json"), "alternate", JSON, "This document as JSON"),
        ]
    return [
        link(str(request.url), "self", media_type, "This document"),
        link(with_format(request, "html"), "alternate", HTML, "This document as HTML"),
    ]


def page_links(
    request: Request, matched: int, limit: int, offset: int, media_type: str = GEOJSON
) -> list[dict[str, Any]]:
    """Return ``next`` and ``prev`` links of an offset-paged result."""
    links = []
    if offset + limit < matched:
        href = request.url.include_query_params(offset=offset + limit, limit=limit)
        links.append(link(str(href), "next", media_type, "Next page"))
    if offset > 0:
        href = request.url.include_query_params(offset=max(offset - limit, 0), limit=limit)
        links.append(link(str(href), "prev", media_type, "Previous page"))
    return links


def items_page_links(
    request: Request, next_cursor: str | None, limit: int, position: int
) -> list[dict[str, Any]]:
    """Return ``next`` (by keyset ``cursor``) and ``prev`` (by ``offset``) of an items page.

    ``next`` never grows an offset, so following it costs the same at any depth and rows added
    meanwhile cannot shift it. ``prev`` goes back ``limit`` features from this page's position.
    """
    items = []
    if next_cursor is not None:
        href = request.url.remove_query_params("offset")
        href = href.include_query_params(cursor=next_cursor, limit=limit)
        items.append(link(str(href), "next", GEOJSON, "Next page"))
    if position > 0:
        href = request.url.remove_query_params("cursor")
        href = href.include_query_params(offset=max(position - limit, 0), limit=limit)
        items.append(link(str(href), "prev", GEOJSON, "Previous page"))
    return items


def listing_links(
    request: Request, matched: int, limit: int, offset: int, media_type: str
) -> list[dict[str, Any]]:
    """Return ``self`` then ``next``/``prev`` of a paged list of the plain API (not OGC)."""
    own = link(str(request.url), "self", media_type, "This document")
    return [own, *page_links(request, matched, limit, offset, media_type)]


def wants_html(
    request: Request, f: str | None, allowed: tuple[str, ...] = ("json", "html")
) -> bool:
    """Return True when the client asked for HTML (``f=html``, or a browser's Accept header).

    Raises:
        InvalidParameter: for an ``f`` value this resource cannot produce.
    """
    if f is not None:
        if f not in allowed:
            choices = ", ".join(allowed)
            raise InvalidParameter("f", f"unsupported format '{f}'; use one of {choices}")
        return f == "html"
    accept = request.headers.get("accept", "")
    return HTML in accept and "json" not in accept
