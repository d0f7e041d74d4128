"""Import an official layer file: read, decode, map, stage, compare, and apply all or nothing.

``sitereg import`` (and later the web upload) calls :func:`run_import`. The file is read in
batches through GDAL (``spatial.io.layers``); its text decoded from the legacy encoding chosen
or detected (``spatial.io.dbf_encoding``); each row mapped to registry fields by the layer's
YAML mapping (``spatial.io.mapping``); its geometry moved to WGS 84 by the project's pinned
VN-2000 transformation (``spatial.crs``) and sent with ``COPY`` to a temporary table. PostGIS
then sorts every row into created, updated, unchanged, removed, skipped or rejected
(``import_sql``). A dry run (the default) stops there and reports; ``commit`` applies the lot
in the same transaction, so an error, a kill or a lost connection leaves the registry as it was.
Every run, dry or not, is recorded in ``imports`` with its choices and counts.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty, Full, Queue
from typing import Any, Final, TypeVar

import numpy
import orjson
import psycopg
import shapely
from psycopg.types.json import Jsonb, set_json_dumps
from sqlalchemy import Engine

from app.models.enums import GeometrySource
from app.services import import_sql as sql
from app.services.change_context import AUTHOR_SQL, ChangeContext, author_settings
from spatial.crs import WGS84, to_wgs84
from spatial.io import mapping as mappings
from spatial.io.dbf_encoding import Detection, TextEncoding, decode, detect
from spatial.io.import_crs import CrsChoice, decide_crs
from spatial.io.layers import Batch, LayerFile, open_layer, read_batches
from spatial.validate import VIETNAM_BBOX

LAYERS: Final = tuple(sql.TARGETS)
"""Layers the importer writes (the mapping's ``layer``)."""
SAME_PRECISION_DEG: Final = 1e-7
"""A geometry within this of the stored one is unchanged (exports write 7 decimals)."""
SAMPLE_VALUES: Final = 5_000
NOTABLE_ROWS: Final = 50
READ_AHEAD: Final = 2
"""Batches read and moved to WGS 84 ahead of the one being mapped and sent (memory bound)."""
IMPORT_WORK_MEM: Final = "256MB"
"""Memory of each sort or hash of an import's statements (the server's default is 4 MB)."""

Progress = Callable[[str, int, int | None], None]
"""Called as (phase, rows done, rows in all or None)."""


@dataclass(frozen=True)
class ImportRequest:
    """What to import, how, and on whose authority."""

    path: Path
    layer: str
    dataset: str
    context: ChangeContext
    mapping_path: Path | None = None
    crs: str | None = None
    encoding: TextEncoding = TextEncoding.AUTO
    commit: bool = False
    licence: str = "as delivered by the issuing agency"
    geometry_source: GeometrySource = GeometrySource.SURVEYED
    statement_timeout_s: int = 3600
    synthetic: bool = False  # generated data, not official (a mapping may say so per row)


@dataclass
class ImportOutcome:
    """What an import found (and did): its choices with their reasons, counts and notable rows."""

    import_id: int
    committed: bool
    file_format: str
    mapping: str
    encoding: Detection
    crs: CrsChoice
    counts: dict[str, int]
    notable: list[tuple[int | None, str | None, str, str | None]] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)


class ImportRefused(ValueError):
    """The file cannot be imported as asked (columns the mapping needs are missing, ...)."""


def run_import(
    engine: Engine, request: ImportRequest, progress: Progress, report_csv: Path | None = None
) -> ImportOutcome:
    """Import ``request.path`` in a transaction of its own; write the report to ``report_csv``.

    Raises:
        ImportRefused, UnreadableFile, UnsupportedFormat, UnknownCRS, MappingError.
    """
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        try:
            return import_on(raw, request, progress, report_csv)
        except BaseException:
            raw.rollback()  # a kill (KeyboardInterrupt) or an error: nothing stays
            raise


def import_on(
    raw: psycopg.Connection[Any],
    request: ImportRequest,
    progress: Progress,
    report_csv: Path | None = None,
    *,
    own_transaction: bool = True,
) -> ImportOutcome:
    """Import ``request.path`` on ``raw``; with ``own_transaction`` False, in the caller's.

    A caller's transaction (the demo loader's) must commit the import (``request.commit``): a
    dry run needs a transaction of its own to roll back.
    """
    if not own_transaction and not request.commit:
        raise ImportRefused("a dry run needs a transaction of its own")
    started = datetime.now(UTC)
    layer_mapping = _mapping(request)
    layer = open_layer(request.path)
    missing = mappings.check_columns(layer_mapping, layer.columns)
    if missing:
        raise ImportRefused(f"{layer.name}: " + "; ".join(missing))
    batches = read_batches(layer)
    first = next(batches, None)
    crs = decide_crs(layer.crs, request.crs, _bounds(first))
    encoding = _encoding(layer, request.encoding, first)
    run = _Run(raw, request, layer, layer_mapping, crs, encoding, progress, started)
    return run.execute(_chain(first, batches), report_csv, own_transaction)


def _mapping(request: ImportRequest) -> mappings.LayerMapping:
    found = (
        mappings.load_mapping(request.mapping_path)
        if request.mapping_path is not None
        else mappings.shipped_mapping(request.layer)
    )
    if found.layer not in LAYERS or found.layer != request.layer:
        raise ImportRefused(
            f"the mapping '{found.name}' writes layer '{found.layer}', not '{request.layer}' "
            f"(the importer writes {', '.join(LAYERS)})"
        )
    return found


def _chain(first: Batch | None, rest: Iterator[Batch]) -> Iterator[Batch]:
    if first is not None:
        yield first
        yield from rest


def _bounds(batch: Batch | None) -> tuple[float, float, float, float] | None:
    if batch is None:
        return None
    geoms = shapely.from_wkb(batch.wkb, on_invalid="ignore")
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) == 0:
        return None
    box = shapely.total_bounds(present)
    return float(box[0]), float(box[1]), float(box[2]), float(box[3])


CPG_ENCODINGS: Final = {
    "UTF-8": TextEncoding.UTF8,
    "UTF8": TextEncoding.UTF8,
    "65001": TextEncoding.UTF8,
    "1258": TextEncoding.CP1258,
    "CP1258": TextEncoding.CP1258,
    "WINDOWS-1258": TextEncoding.CP1258,
}


def _encoding(layer: LayerFile, requested: TextEncoding, first: Batch | None) -> Detection:
    """Return the text encoding to decode with, and why."""
    if not layer.raw_text:
        return Detection(TextEncoding.UTF8, f"{layer.driver} text is UTF-8 by definition")
    if requested is not TextEncoding.AUTO:
        return Detection(requested, f"declared: --encoding {requested.value}")
    if layer.cpg and layer.cpg.upper() in CPG_ENCODINGS:
        return Detection(CPG_ENCODINGS[layer.cpg.upper()], f"the .cpg file says '{layer.cpg}'")
    return detect(_samples(first))


def _samples(batch: Batch | None) -> list[bytes]:
    found: list[bytes] = []
    for values in batch.columns.values() if batch is not None else ():
        for value in values:
            if isinstance(value, str) and not value.isascii():
                found.append(value.encode("latin-1"))
                if len(found) >= SAMPLE_VALUES:
                    return found
    return found


class _Run:
    """One import on one connection: stage, classify, report, then apply or not."""

    def __init__(
        self,
        raw: psycopg.Connection[Any],
        request: ImportRequest,
        layer: LayerFile,
        layer_mapping: mappings.LayerMapping,
        crs: CrsChoice,
        encoding: Detection,
        progress: Progress,
        started: datetime,
    ) -> None:
        self.raw, self.request, self.layer, self.mapping = raw, request, layer, layer_mapping
        self.target = sql.TARGETS[request.layer]
        self.crs, self.encoding, self.progress, self.started = crs, encoding, progress, started

    def execute(
        self, batches: Iterator[Batch], report_csv: Path | None, own_transaction: bool
    ) -> ImportOutcome:
        """Stage every batch, classify, report; apply when committing; record the run."""
        with self.raw.cursor() as cursor:
            timeout = f"{int(self.request.statement_timeout_s)}s"
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", (timeout,))
            # Sorts and hashes over every staged row (duplicate keys, the comparison, the tile
            # cells' counts) stay in memory rather than spilling to disk: this transaction only.
            cursor.execute("SELECT set_config('work_mem', %s, true)", (IMPORT_WORK_MEM,))
            cursor.execute(sql.STAGE)
            cursor.execute(sql.DATE_FUNCTION)
            self._stage(cursor, batches)
            self.progress("checking", 0, None)
            cursor.execute("ANALYZE import_rows (key)")  # the join and windows use only it
            cursor.execute(sql.classify(self.target), self._classify_params())
            cursor.execute(sql.removed(self.target), {"dataset": self.request.dataset})
            if self.target.province_check:
                cursor.execute(sql.FLAG_PROVINCE, {})
            counts = dict(cursor.execute(sql.COUNTS).fetchall())
            notable = cursor.execute(sql.NOTABLE, {"limit": NOTABLE_ROWS}).fetchall()
            if report_csv is not None:
                _write_report(cursor, report_csv)
            committed = self.request.commit
            if not committed:
                self.raw.rollback()  # a dry run: the staged rows go, nothing was written
            import_id = self._record(cursor, counts, committed)
            if committed:
                self.progress("applying", 0, None)
                self._apply(cursor, import_id)
                # The session outlives the import (pooled): its temporary function goes with
                # the transaction, so the connection's role owns nothing afterwards.
                cursor.execute(sql.DROP_DATE_FUNCTION)
            if own_transaction:
                self.raw.commit()
            else:  # the caller's transaction goes on: its staging tables go now
                cursor.execute("DROP TABLE import_rows, import_report")
        return ImportOutcome(
            import_id,
            committed,
            self.layer.driver,
            self.mapping.name,
            self.encoding,
            self.crs,
            counts,
            [tuple(row) for row in notable],
        )

    def _stage(self, cursor: psycopg.Cursor[Any], batches: Iterator[Batch]) -> None:
        done = 0
        srid = self.crs.srid
        set_json_dumps(_json, cursor)  # this cursor only: its COPY's jsonb columns
        with cursor.copy(sql.COPY_ROWS) as copy:
            copy.set_types(list(sql.COPY_TYPES))
            # A Shapefile read raw (latin-1) is read on this thread: pyogrio sets GDAL's
            # SHAPE_ENCODING for the thread that opens it and restores it on close, and the
            # first batch was opened here; closed on another thread, it stayed set here.
            ahead = _in_turn if self.layer.raw_text else _ahead
            for batch, wkbs in ahead(batches, lambda batch: _to_wgs84(batch.wkb, srid)):
                for row in self._rows(batch, wkbs):
                    copy.write_row(row)
                done = batch.first_row + len(batch.wkb)
                self.progress("reading", done, self.layer.feature_count)

    def _rows(self, batch: Batch, wkbs: list[bytes | None]) -> Iterator[tuple[Any, ...]]:
        columns = batch.columns
        if self.layer.raw_text:
            encoding = self.encoding.encoding
            columns = {name: _decoded_column(values, encoding) for name, values in columns.items()}
        mapped_rows = mappings.apply_batch(self.mapping, columns, len(wkbs))
        first = batch.first_row + 1
        # The COPY's types say jsonb: dicts go as they are, without a wrapper each.
        for index, (wkb, mapped) in enumerate(zip(wkbs, mapped_rows, strict=True)):
            yield (
                first + index,
                mapped.key,
                mapped.values,
                mapped.source_codes or None,
                mapped.skipped,
                list(mapped.problems),
                wkb if mapped.skipped is None else None,  # a skipped row is only reported
            )

    def _classify_params(self) -> dict[str, Any]:
        west, south, east, north = VIETNAM_BBOX
        return {
            "west": west,
            "south": south,
            "east": east,
            "north": north,
            "dataset": self.request.dataset,
            "precision": SAME_PRECISION_DEG,
            **{f"allowed_{c.name}": list(c.allowed) for c in self.target.columns if c.allowed},
            **self._keeps(),
        }

    def _keeps(self) -> dict[str, bool]:
        """Say whether the mapping brings source codes and descriptive fields (else kept)."""
        return {
            "compare_codes": bool(self.mapping.keep_codes),
            "compare_attrs": bool(set(self.mapping.fields) - self.target.column_names),
        }

    def _record(self, cursor: psycopg.Cursor[Any], counts: dict[str, int], committed: bool) -> int:
        context = self.request.context
        row = cursor.execute(
            sql.RECORD,
            {
                "layer": self.request.layer,
                "dataset": self.request.dataset,
                "file_name": self.layer.name,
                "sha256": _sha256(self.request.path),
                "file_format": self.layer.driver,
                "mapping": self.mapping.name,
                "encoding": self.encoding.encoding.value,
                "encoding_reason": self.encoding.reason,
                "srid": self.crs.srid,
                "crs_reason": self.crs.reason,
                "actor": context.actor,
                "actor_id": context.actor_id,
                "decision_id": context.decision_id,
                "reason": context.reason,
                "committed": committed,
                "counts": Jsonb(counts),
                "started_at": self.started,
            },
        ).fetchone()
        assert row is not None
        return int(row[0])

    def _apply(self, cursor: psycopg.Cursor[Any], import_id: int) -> None:
        cursor.execute(AUTHOR_SQL, author_settings(self.request.context))
        cursor.execute(sql.lock(self.target))
        cursor.execute(sql.TAKE_DATA_VERSION)
        params = {
            **self._keeps(),
            "dataset": self.request.dataset,
            "licence": self.request.licence,
            "synthetic": self.request.synthetic,
            "geometry_source": self.request.geometry_source.value,
            "import_id": import_id,
            "provenance": f"{self.layer.name} (import {import_id}, mapping {self.mapping.name})",
        }
        for statement in (
            sql.insert(self.target),
            sql.update(self.target),
            sql.delete(self.target),
            *self.target.after,
        ):
            cursor.execute(statement, params)


Worked = TypeVar("Worked")
_END: Final = object()


def _in_turn(
    items: Iterator[Batch], work: Callable[[Batch], Worked]
) -> Iterator[tuple[Batch, Worked]]:
    """Yield each batch with ``work`` done on it, on this thread (``_ahead`` without one)."""
    for item in items:
        yield item, work(item)


def _ahead(
    items: Iterator[Batch], work: Callable[[Batch], Worked], depth: int = READ_AHEAD
) -> Iterator[tuple[Batch, Worked]]:
    """Yield each batch with ``work`` done on it, the next ones read and worked in a thread.

    GDAL's reading, shapely and pyproj release the GIL, so the file's next batches are read and
    moved to WGS 84 while this thread maps and sends the current one; at most ``depth`` wait.
    An error in the thread is raised here; a consumer that stops (an error, a kill) stops it.
    """
    queue: Queue[Any] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(queue, (item, work(item)), stop):
                    return
        except BaseException as exc:  # noqa: BLE001 (handed to the consumer, raised there)
            _put(queue, exc, stop)
            return
        _put(queue, _END, stop)

    thread = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    thread.start()
    try:
        while (got := _get(queue, thread)) is not _END:
            if isinstance(got, BaseException):
                raise got
            yield got
    finally:
        stop.set()
        thread.join()


def _put(queue: Queue[Any], value: Any, stop: threading.Event) -> bool:
    """Put ``value`` once there is room; False if the consumer stopped meanwhile."""
    while not stop.is_set():
        try:
            queue.put(value, timeout=0.1)
            return True
        except Full:
            continue
    return False


def _get(queue: Queue[Any], thread: threading.Thread) -> Any:
    """Return the next value the thread put; an error should it end without saying so."""
    while True:
        try:
            return queue.get(timeout=0.1)
        except Empty:
            if not thread.is_alive() and queue.empty():  # never silently a shorter file
                return RuntimeError("the import's reading thread ended before the file did")


def _json(value: Any) -> bytes:
    """Return ``value`` as JSON: orjson (a quarter of json's time), else json as before.

    orjson refuses what json takes (integers beyond 64 bits, keys that are not text); those
    rows are written exactly as the standard library writes them.
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value).encode()


def _decoded_column(values: list[Any], encoding: TextEncoding) -> list[Any]:
    """Return a column's raw (latin-1) text decoded, each distinct value once."""
    seen: dict[str, str] = {}
    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            text = seen.get(value)
            if text is None:
                text = seen[value] = decode(value.encode("latin-1"), encoding)
            out.append(text)
        else:
            out.append(value)
    return out


def _to_wgs84(wkb: list[bytes | None], srid: int) -> list[bytes | None]:
    """Return the geometries as 2D WKB in WGS 84 (the pinned VN-2000 shift), None kept."""
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    if srid != WGS84:
        transformer = to_wgs84(srid)

        def move(coords: Any) -> Any:
            xs, ys = transformer.transform(coords[:, 0], coords[:, 1])
            return numpy.column_stack([xs, ys])

        geoms = shapely.transform(geoms, move)
    return list(shapely.to_wkb(geoms, output_dimension=2))


def _write_report(cursor: psycopg.Cursor[Any], path: Path) -> None:
    with path.open("wb") as out, cursor.copy(sql.REPORT) as copy:
        for chunk in copy:
            out.write(chunk)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
