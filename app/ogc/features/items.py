"""OGC API – Features: the items of a collection and single features (GeoJSON and HTML)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from app.ogc.catalog import Collection
from app.ogc.features import fetch
from app.ogc.features.params import FeatureQueryDep, ItemsQueryDep
from app.ogc.features.query import FeatureQuery
from app.ogc.protocol import caching, html, links
from app.schemas.problem import problem_responses

router = APIRouter(prefix="/ogc/collections", tags=["OGC API – Features"])
GEOJSON_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {links.GEOJSON: {}, links.HTML: {}}}
}


def _collection_link(request: Request, collection: Collection) -> dict[str, Any]:
    href = links.url(request, f"/ogc/collections/{collection.id}")
    return links.link(href, "collection", links.JSON, collection.title)


def _page_links(request: Request, query: FeatureQuery, page: fetch.Page) -> list[dict[str, Any]]:
    limit = query.limit or len(page.features)
    page_links = links.self_and_alternate(request, links.GEOJSON)
    page_links += links.items_page_links(request, page.next_cursor, limit, query.position)
    page_links.append(_collection_link(request, query.collection))
    return page_links


def _frame(page: fetch.Page, page_links: list[dict[str, Any]]) -> bytes:
    """Wrap the Feature texts from PostGIS in a FeatureCollection (no decoding)."""
    tail: dict[str, Any] = {} if page.matched is None else {"numberMatched": page.matched}
    tail.update(numberReturned=len(page.features), links=page_links)
    head = '{"type":"FeatureCollection","features":['
    return (head + ",".join(page.features) + "]," + json.dumps(tail)[1:]).encode()


def _headers(query: FeatureQuery) -> dict[str, str]:
    return {"Content-Crs": query.crs.header, **query.reader_headers()}


def _page(response: Response, query: FeatureQuery) -> Response:
    """Return an HTML view with the headers of who may see it (personal: private, no-store)."""
    response.headers.update(query.reader_headers())
    return response


def _caching(query: FeatureQuery) -> dict[str, Any]:
    """Return how long a response may be cached, and its ETag variant (the ``as_of``)."""
    if query.as_of is None:
        return {"max_age_s": caching.ITEMS_MAX_AGE_S}
    past = query.as_of < datetime.now(UTC) - timedelta(seconds=caching.SETTLED_S)
    max_age_s = caching.PAST_MAX_AGE_S if past else caching.ITEMS_MAX_AGE_S
    return {"max_age_s": max_age_s, "variant": query.as_of.isoformat()}


@router.get(
    "/{collectionId}/items",
    name="ogc_items",
    summary="Features of a collection (GeoJSON or HTML)",
    response_class=Response,
    responses={**GEOJSON_RESPONSE, **problem_responses(400, 404)},
)
async def get_items(
    request: Request,
    query: ItemsQueryDep,
    f: Annotated[str | None, Query(description="json, geojson or html.")] = None,
) -> Response:
    """Return one page of features as a GeoJSON FeatureCollection.

    Filters: `bbox` (+ `bbox-crs`), `datetime`, CQL2 `filter` (`filter-lang` cql2-text or
    cql2-json, `filter-crs`), and any queryable as `name=value`. `crs` reprojects the output
    (CRS84 by default; VN-2000 TM-3 EPSG:9205 Lai Châu, EPSG:9208 Lào Cai). `properties` picks
    properties, `sortby` orders them (`-name` descending). Paging: `limit`, and the `next` link,
    whose opaque `cursor` starts after the last feature sent (no duplicates or gaps when rows
    are added between pages); `offset` is still read. `numberMatched` is given when the count
    is at most 10 000, and left out above (the standard makes it optional).
    """
    as_html = links.wants_html(request, f, ("json", "geojson", "html"))
    page = await fetch.fetch_page(request.app.state.read_pool, query)
    if as_html:
        return _page(html.items_page(request, query, page), query)
    page_links = _page_links(request, query, page)
    return caching.cached(
        request,
        _frame(page, page_links),
        links.GEOJSON,
        headers={**_headers(query), **links.link_header(page_links)},
        personal=query.personal,
        **_caching(query),
    )


@router.get(
    "/{collectionId}/items/{featureId}",
    name="ogc_feature",
    summary="One feature (GeoJSON or HTML)",
    response_class=Response,
    responses={**GEOJSON_RESPONSE, **problem_responses(400, 404)},
)
async def get_feature(
    request: Request,
    query: FeatureQueryDep,
    feature_id: Annotated[str, Path(alias="featureId", description="The feature's code.")],
    f: Annotated[str | None, Query(description="json, geojson or html.")] = None,
) -> Response:
    """Return one feature by id (its registry code), optionally in another `crs`."""
    as_html = links.wants_html(request, f, ("json", "geojson", "html"))
    found = await fetch.fetch_feature(request.app.state.read_pool, query, feature_id)
    if as_html:
        return _page(html.feature_page(request, query, json.loads(found.text)), query)
    feature_links = links.self_and_alternate(request, links.GEOJSON)
    feature_links.append(_collection_link(request, query.collection))
    body = (found.text[:-1] + ',"links":' + json.dumps(feature_links) + "}").encode()
    return caching.cached(
        request,
        body,
        links.GEOJSON,
        headers={**_headers(query), **links.link_header(feature_links)},
        personal=query.personal,
        version=found.version,
        **_caching(query),
    )
