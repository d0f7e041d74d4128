"""Encoders of analysis answers (see ``AnswerFormat``): CSV text, CSV and GeoJSON responses."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import Response
from pydantic import BaseModel

from app.map.i18n import TEXTS

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
GEOJSON_MEDIA_TYPE = "application/geo+json"
NOTICE_COLUMN = "data_notice"


def synthetic_notice() -> str:
    """Return the label of synthetic data, Vietnamese then English, as every export carries it."""
    label = TEXTS["data.synthetic_notice"]
    return f"{label.vi} / {label.en}"


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def csv_text(rows: Sequence[BaseModel], notice: str | None = None) -> str:
    """Encode flat models as CSV text, starting with a UTF-8 BOM for spreadsheet software.

    ``notice`` (the synthetic-data label) fills a last ``data_notice`` column on every row.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    if rows:
        fields = [name for name, value in rows[0] if not isinstance(value, BaseModel | dict)]
        extra = {NOTICE_COLUMN: notice} if notice else {}
        writer = csv.DictWriter(buffer, fieldnames=[*fields, *extra], extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**{name: _cell(getattr(row, name)) for name in fields}, **extra})
    return buffer.getvalue()


def csv_response(rows: Sequence[BaseModel], file_name: str, *, synthetic: bool = False) -> Response:
    """Return flat models as a CSV download that keeps Vietnamese diacritics.

    ``synthetic``: the figures come from synthetic data, and every row says so.
    """
    return Response(
        csv_text(rows, synthetic_notice() if synthetic else None),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{file_name}.csv"'},
    )


def feature(geometry_json: str, properties: dict[str, Any], feature_id: str | None = None) -> str:
    """Return one GeoJSON Feature as text, embedding PostGIS's geometry text unchanged."""
    head = {
        "type": "Feature",
        **({"id": feature_id} if feature_id else {}),
        "properties": properties,
    }
    encoded = json.dumps(head, ensure_ascii=False)
    return encoded[:-1] + f', "geometry": {geometry_json}}}'


def geojson_response(features: Iterable[str], file_name: str, **members: Any) -> Response:
    """Return a FeatureCollection built from feature texts, plus extra top-level members."""
    extra = "".join(
        f", {json.dumps(k)}: {json.dumps(v, ensure_ascii=False, default=str)}"
        for k, v in members.items()
    )
    body = '{"type": "FeatureCollection"' + extra + ', "features": [' + ",".join(features) + "]}"
    return Response(
        body,
        media_type=GEOJSON_MEDIA_TYPE,
        headers={"Content-Disposition": f'inline; filename="{file_name}.geojson"'},
    )
