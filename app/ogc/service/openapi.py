"""The OpenAPI 3.0 description of the OGC API (``service-desc``), derived from the app's 3.1 one.

OGC API – Features Part 1 names OpenAPI 3.0, and clients such as GDAL read the items path's
parameters from it. FastAPI writes OpenAPI 3.1, so the ``/ogc`` paths are taken from it, made
relative to the ``/ogc`` server, and the few 3.1-only schema constructs are rewritten.
"""

from __future__ import annotations

import copy
from typing import Any

from app.ogc.catalog import CATALOG, Collection, PropertyType
from app.services.write_specs import WRITE_SPECS

OGC_PREFIX = "/ogc"
ITEMS_TEMPLATE = "/collections/{collectionId}/items"
SCALAR_TYPES = {
    PropertyType.DATE: {"type": "string", "format": "date"},
    PropertyType.DATETIME: {"type": "string", "format": "date-time"},
    PropertyType.ARRAY: {"type": "string"},
}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``anyOf: [X, {type: null}]`` and ``type: [X, null]`` as 3.0 ``nullable``."""
    options = schema.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [option for option in options if option != {"type": "null"}]
        schema.pop("anyOf")
        if len(rest) == 1 and "$ref" not in rest[0]:
            schema.update(rest[0])
        else:
            schema["anyOf" if len(rest) > 1 else "allOf"] = rest
        schema["nullable"] = True
    kind = schema.get("type")
    if isinstance(kind, list):
        others = [item for item in kind if item != "null"]
        schema["type"] = others[0] if others else "string"
        schema["nullable"] = "null" in kind or schema.get("nullable", False)
    return schema


def _schema_30(node: Any) -> Any:
    """Return ``node`` with 3.1-only keywords rewritten, recursively."""
    if isinstance(node, list):
        return [_schema_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _schema_30(value) for key, value in node.items()}
    _nullable(out)
    if isinstance(out.get("examples"), list) and "in" not in out:
        examples = out.pop("examples")
        if examples:
            out.setdefault("example", examples[0])
    if "const" in out:
        out["enum"] = [out.pop("const")]
    for bound in ("exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(out.get(bound), int | float) and not isinstance(out[bound], bool):
            out["minimum" if bound == "exclusiveMinimum" else "maximum"] = out[bound]
            out[bound] = True
    out.pop("contentMediaType", None)
    return out


# OGC API – Features – Part 1 (17-069r4), openapi/parameters/{bbox,limit,datetime}.yaml: what a
# conformance checker (and GDAL) expects. The limit has no maximum here: a larger value is not an
# error but is capped at SITEREG_LIMITS__PAGE_SIZE_MAX, as §7.15.3 allows.
STANDARD_PARAMETERS: dict[str, dict[str, Any]] = {
    "bbox": {
        "description": "Only features that have a geometry that intersects the bounding box: "
        "minx,miny,maxx,maxy (or 6 numbers with heights) in bbox-crs (default CRS84).",
        "schema": {
            "type": "array",
            "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
            "items": {"type": "number"},
        },
        "example": [104.0, 22.3, 104.2, 22.5],
    },
    "limit": {
        "description": "The number of features per page (larger values are capped).",
        "schema": {"type": "integer", "minimum": 1},
    },
    "datetime": {
        "description": "Only features whose time intersects this RFC 3339 instant or interval "
        "('..' for an open end).",
        "schema": {"type": "string"},
        "example": "2020-01-01/..",
    },
}


def _standard(parameter: dict[str, Any]) -> dict[str, Any]:
    """Return the standard's definition of ``bbox``, ``limit`` and ``datetime`` in the query."""
    definition = STANDARD_PARAMETERS.get(parameter.get("name", ""))
    if definition is None or parameter.get("in") != "query":
        return parameter
    return {
        "name": parameter["name"],
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        **copy.deepcopy(definition),
    }


def _parameter_30(parameter: dict[str, Any]) -> dict[str, Any]:
    """Move parameter-level example lists into the 3.0 ``example`` field."""
    examples = parameter.pop("examples", None)
    if isinstance(examples, list) and examples:
        parameter["example"] = examples[0]
    elif isinstance(examples, dict):
        parameter["examples"] = examples
    return parameter


PERSONAL_NOTE = "; personal data, signed-in callers only: 400 for anonymous callers"


def _collection_items(template: dict[str, Any], collection: Collection) -> dict[str, Any]:
    """Return the items path of one collection, listing its queryables as parameters.

    GDAL's OAPIF driver reads ``/collections/<id>/items`` to learn which properties the server
    filters on; without it, ``-where`` is evaluated on the client.
    """
    operation = copy.deepcopy(template)
    operation["operationId"] = f"get_items_{collection.id}"
    operation["summary"] = f"Features of {collection.title}"
    parameters = [p for p in operation.get("parameters", []) if p.get("name") != "collectionId"]
    for prop in collection.properties:
        schema = SCALAR_TYPES.get(prop.type, {"type": prop.type.value})
        parameters.append(
            {
                "name": prop.name,
                "in": "query",
                "required": False,
                "description": f"{prop.title} (equality{PERSONAL_NOTE if prop.personal else ''})",
                "schema": dict(schema),
            }
        )
    operation["parameters"] = parameters
    return {"get": operation}


def _writes_of(template: dict[str, Any], collection_id: str) -> dict[str, Any]:
    """Return the write operations (POST) of a collection's own items path, when it is editable.

    Its ``OPTIONS`` answers ``Allow`` with them, so the document lists them on the concrete
    path as well as on the template.
    """
    if collection_id not in WRITE_SPECS:
        return {}
    found = {}
    for method, operation in template.items():
        if method == "get":
            continue
        own = copy.deepcopy(operation)
        own["operationId"] = f"{own.get('operationId', method)}_{collection_id}"
        own["parameters"] = [
            p for p in own.get("parameters", []) if p.get("name") != "collectionId"
        ]
        found[method] = own
    return found


def ogc_openapi(document: dict[str, Any], server_url: str) -> dict[str, Any]:
    """Return the OpenAPI 3.0.3 document of the ``/ogc`` paths, served at ``server_url``."""
    source = copy.deepcopy(document)
    paths = {}
    for path, item in source.get("paths", {}).items():
        if path == OGC_PREFIX or path.startswith(OGC_PREFIX + "/"):
            relative = path.removeprefix(OGC_PREFIX) or "/"
            for operation in item.values():
                operation["parameters"] = [
                    _parameter_30(parameter) for parameter in operation.get("parameters", [])
                ]
            paths[relative] = _schema_30(item)
            for operation in paths[relative].values():  # after _schema_30: already 3.0
                operation["parameters"] = [_standard(p) for p in operation["parameters"]]
    template = paths.get(ITEMS_TEMPLATE, {}).get("get")
    if template is not None:
        for collection in CATALOG.values():
            concrete = _collection_items(template, collection)
            concrete.update(_writes_of(paths.get(ITEMS_TEMPLATE, {}), collection.id))
            paths[f"/collections/{collection.id}/items"] = concrete
    return {
        "openapi": "3.0.3",
        "info": {**source.get("info", {}), "title": "sitereg — OGC API Features and Tiles"},
        "servers": [{"url": server_url, "description": "This server"}],
        "paths": paths,
        "components": _schema_30(source.get("components", {})),
    }
