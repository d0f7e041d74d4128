"""Field mappings of imports: how a source file's columns become registry fields.

A mapping is a YAML file (``data/mappings/<name>.yaml``, described in its README). It names the
target layer, the source columns whose values identify a row across imports (``key``), the rows
to skip with a reason (``skip``), one rule per registry field (``fields``) and the raw codes kept
beside the row (``keep_codes``). Column names match case-insensitively (agencies write ``MALR3``
or ``malr3``), and a code that arrives as a float (``2.0``) matches ``2``.

A field rule is one of:
``from: column`` (copy the text), ``from_any: [column, ...]`` (copy the first non-empty one), or
``code: column`` with ``map: {source code: registry value}``; each may say ``required: true``,
and a code rule may give a ``default`` (for an empty value) and a ``fallback`` rule, used when
its column is absent or empty.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from spatial.text import nfc

MAPPINGS_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "mappings"
SHIPPED: dict[str, str] = {
    "forest": "forest_inventory.yaml",
    "protected_areas": "protected_areas_wdpa.yaml",
    "admin_units": "communes_2025.yaml",
    "sites": "sites_sitereg.yaml",
    "clearance_parcels": "clearance_sitereg.yaml",
    "infrastructure": "infrastructure_sitereg.yaml",
}
# The registry values a code may map to, per layer and field; they mirror the enums of
# app.models.enums (ForestCategory, ForestOrigin, AdminLevel, SiteKind, SiteStatus,
# ClearanceStatus, InfrastructureKind, InfrastructureStatus), which spatial may not import (a
# test compares).
REGISTRY_VALUES: dict[str, dict[str, frozenset[str]]] = {
    "forest": {
        "category": frozenset({"special_use", "protection", "production"}),
        "origin": frozenset({"natural", "planted"}),
    },
    "admin_units": {
        "level": frozenset(
            {"province_2025", "province_pre2025", "district_pre2025", "commune_2025"}
        ),
    },
    "sites": {
        "kind": frozenset(
            {"industrial_zone", "industrial_cluster", "mining_site", "relocation_area"}
        ),
        "status": frozenset(
            {
                "planned",
                "established",
                "under_construction",
                "operating",
                "expanding",
                "relocating",
                "relocated",
                "closed",
                "converting_eco_industrial",
            }
        ),
    },
    "clearance_parcels": {
        "status": frozenset({"not_started", "compensating", "cleared", "handed_over"}),
    },
    "infrastructure": {
        "kind": frozenset({"road", "technical_infrastructure", "wastewater_plant"}),
        "status": frozenset({"planned", "approved", "under_construction", "completed"}),
    },
}
_TOP_KEYS = frozenset({"name", "layer", "description", "key", "skip", "fields", "keep_codes"})
_RULE_KEYS = frozenset({"from", "from_any", "code", "map", "default", "required", "fallback"})
_FLOAT_INTEGER = re.compile(r"^[+-]?\d+\.0*$")


class MappingError(ValueError):
    """A mapping file is not valid; the message names the file and the place in it."""


@dataclass(frozen=True)
class FieldRule:
    """How one registry field is read: copied from columns, or a code translated by a map."""

    columns: tuple[str, ...]
    codes: dict[str, str] | None = None
    default: str | None = None
    required: bool = False
    fallback: FieldRule | None = None


@dataclass(frozen=True)
class SkipRule:
    """Rows whose ``column`` holds one of ``values`` are skipped (reported, not errors)."""

    column: str
    values: frozenset[str]
    reason: str


@dataclass(frozen=True)
class LayerMapping:
    """A validated mapping from a source file's columns to one registry layer."""

    name: str
    layer: str
    key: tuple[str, ...]
    fields: dict[str, FieldRule]
    keep_codes: tuple[str, ...]
    skip: tuple[SkipRule, ...]


@dataclass(frozen=True)
class MappedRow:
    """One source row after mapping: its key, registry values, raw codes and what went wrong."""

    key: str | None
    values: dict[str, Any]
    source_codes: dict[str, str]
    skipped: str | None
    problems: tuple[str, ...]


def code_text(value: Any) -> str | None:
    """Return a code as text: stripped, NFC, ``2.0`` as ``2``; ``None`` when empty."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    return _text_code(str(value))


@lru_cache(maxsize=65_536)
def _text_code(value: str) -> str | None:
    """Return a text code stripped and NFC (codes repeat: a million rows hold a few hundred)."""
    text = nfc(value).strip()
    if _FLOAT_INTEGER.match(text):
        text = text.split(".")[0]
    return text or None


def load_mapping(path: Path) -> LayerMapping:
    """Read and validate a mapping file.

    Raises:
        MappingError: the file is not YAML or a part of it is wrong; the message names the place.
    """
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML ({exc})") from exc
    where = str(path)
    doc = _mapping_at(document, where)
    _no_unknown_keys(doc, _TOP_KEYS, where)
    layer = _text_at(doc.get("layer"), f"{where}: layer")
    fields = _mapping_at(doc.get("fields"), f"{where}: fields")
    rules = {
        name: _rule(value, f"{where}: fields.{name}", REGISTRY_VALUES.get(layer, {}).get(name))
        for name, value in fields.items()
    }
    return LayerMapping(
        name=_text_at(doc.get("name", path.stem), f"{where}: name"),
        layer=layer,
        key=_columns_at(doc.get("key"), f"{where}: key"),
        fields=rules,
        keep_codes=_columns_at(doc.get("keep_codes", []), f"{where}: keep_codes", empty_ok=True),
        skip=tuple(_skip(item, f"{where}: skip[{i}]") for i, item in enumerate(_skips(doc, where))),
    )


def shipped_mapping(layer: str) -> LayerMapping:
    """Return the mapping shipped in ``data/mappings`` for a registry layer (``forest``)."""
    if layer not in SHIPPED:
        raise MappingError(f"no shipped mapping for layer {layer!r} (known: {sorted(SHIPPED)})")
    return load_mapping(MAPPINGS_DIR / SHIPPED[layer])


def check_columns(mapping: LayerMapping, columns: Sequence[str]) -> list[str]:
    """List the source columns the mapping needs that a file lacks (names compared casefolded)."""
    have = {column.casefold() for column in columns}
    problems = [f"key column '{c}' is missing" for c in mapping.key if c.casefold() not in have]
    for name, rule in mapping.fields.items():
        wanted = _chain_columns(rule)
        if rule.required and not any(column.casefold() in have for column in wanted):
            problems.append(f"field {name} needs one of the columns {', '.join(wanted)}")
    return problems


def apply(mapping: LayerMapping, record: Mapping[str, Any]) -> MappedRow:
    """Map one source row (text already decoded) to registry values, or skip it with a reason."""
    row = {str(column).casefold(): value for column, value in record.items()}
    kept = {c: t for c in mapping.keep_codes if (t := code_text(row.get(c.casefold()))) is not None}
    key, problems = _key(mapping.key, row)
    reason = _skip_reason(mapping.skip, row)
    found = {} if reason else {name: _value(rule, row) for name, rule in mapping.fields.items()}
    return _assemble(mapping, key, problems, kept, reason, found)


def apply_batch(
    mapping: LayerMapping, columns: Mapping[str, Sequence[Any]], count: int
) -> list[MappedRow]:
    """Map ``count`` rows given column by column: the same rows as :func:`apply`, faster.

    A coded field's value, and whether a row is skipped, depend only on a few code columns
    whose values repeat (a million plots hold a few hundred states): each distinct combination
    is worked out once. Plain copied fields (``from``, optional, no fallback) cannot fail, so
    they are only added to the row's values.
    """
    folded = {str(name).casefold(): values for name, values in columns.items()}
    empty: Sequence[Any] = [None] * count

    def column(name: str) -> Sequence[Any]:
        return folded.get(name.casefold(), empty)

    skip_names = [rule.column for rule in mapping.skip]
    skips = _memoised(lambda row: _skip_reason(mapping.skip, row), skip_names, column, count)
    coded = {name: rule for name, rule in mapping.fields.items() if not _plain(rule)}
    fields = [
        _memoised(lambda row, rule=rule: _value(rule, row), _chain_columns(rule), column, count)
        for rule in coded.values()
    ]
    plain = {
        name: _texts(column(rule.columns[0]), code_text)
        for name, rule in mapping.fields.items()
        if name not in coded
    }
    keys = _batch_keys(mapping.key, [_texts(column(name), _key_text) for name in mapping.key])
    codes = _batch_codes(
        mapping.keep_codes, [_texts(column(name), code_text) for name in mapping.keep_codes], count
    )
    found_rows = list(zip(*fields, strict=True)) if fields else [()] * count
    values = _plain_values(plain, count)
    return _settled_rows(mapping, coded, (keys, codes, skips, found_rows, values))


def _plain(rule: FieldRule) -> bool:
    """Say whether a rule only copies one column's text (it can give no problem)."""
    return (
        rule.codes is None
        and rule.fallback is None
        and not rule.required
        and len(rule.columns) == 1
    )


def _plain_values(plain: Mapping[str, list[str | None]], count: int) -> list[dict[str, Any]]:
    """Return every row's plain fields that have a value (a fresh dict each)."""
    if not plain:
        return [{} for _ in range(count)]
    names = list(plain)
    return [
        {name: text for name, text in zip(names, row, strict=True) if text is not None}
        for row in zip(*plain.values(), strict=True)
    ]


def _settled_rows(
    mapping: LayerMapping, coded: Mapping[str, FieldRule], parts: tuple[Sequence[Any], ...]
) -> list[MappedRow]:
    """Return the mapped rows from each row's key, codes, skip, coded outcomes, plain values."""
    only_coded = LayerMapping(
        mapping.name, mapping.layer, mapping.key, dict(coded), mapping.keep_codes, mapping.skip
    )
    settled: dict[tuple[Any, ...], tuple[dict[str, Any], tuple[str, ...]]] = {}
    rows = []
    for (key, key_problems), kept, skipped, found, values in zip(*parts, strict=True):
        if skipped is not None:
            rows.append(MappedRow(key, {}, kept, skipped, key_problems))
            continue
        outcome = settled.get(found)
        if outcome is None:
            outcome = settled[found] = _settle(only_coded, found)
        values.update(outcome[0])
        rows.append(MappedRow(key, values, kept, None, key_problems + outcome[1]))
    return rows


def _homogeneous(values: Sequence[Any]) -> bool:
    """Say whether the values are of one type (``None`` aside), as an Arrow column's are."""
    return len(set(map(type, values)) - {type(None)}) <= 1


def _texts(values: Sequence[Any], convert: Any) -> list[Any]:
    """Return ``convert`` of every value, worked out once per distinct value."""
    if _homogeneous(values):  # equal values are then the same value (no 1 == 1.0 == True)
        known = {value: convert(value) for value in set(values)}
        return [known[value] for value in values]
    done: dict[tuple[type, Any], Any] = {}
    out = []
    for value in values:
        marker = (type(value), value)
        if marker not in done:
            done[marker] = convert(value)
        out.append(done[marker])
    return out


def _key_text(value: Any) -> str | None:
    return _key_part(code_text(value))


def _joined_key(columns: tuple[str, ...], parts: list[str | None]) -> tuple[str | None, list[str]]:
    """Join key parts with ``.`` (see :func:`_key`); an empty part is a problem and no key."""
    missing = [column for column, part in zip(columns, parts, strict=True) if part is None]
    if missing:
        return None, [f"key column {', '.join(missing)} is empty"]
    return ".".join(part for part in parts if part is not None), []


def _batch_keys(
    columns: tuple[str, ...], parts: list[list[str | None]]
) -> list[tuple[str | None, tuple[str, ...]]]:
    """Return every row's key and key problems from its key columns' texts."""
    out: list[tuple[str | None, tuple[str, ...]]] = []
    for row in zip(*parts, strict=True):
        if None in row:
            key, problems = _joined_key(columns, list(row))
            out.append((key, tuple(problems)))
        else:
            out.append((".".join(row), ()))
    return out


def _batch_codes(
    names: tuple[str, ...], texts: list[list[str | None]], count: int
) -> list[dict[str, str]]:
    """Return every row's kept source codes (a fresh dict each)."""
    if not names:
        return [{} for _ in range(count)]
    return [
        {name: text for name, text in zip(names, row, strict=True) if text is not None}
        for row in zip(*texts, strict=True)
    ]


def _memoised(work: Any, names: list[str], column: Any, count: int) -> list[Any]:
    """Return ``work(row)`` for every row, computed once per distinct value of ``names``."""
    folded = [name.casefold() for name in names]
    if not names:
        return [work({})] * count
    values = [column(name) for name in names]
    rows = list(zip(*values, strict=True))
    if all(_homogeneous(v) for v in values):
        known = {row: work(dict(zip(folded, row, strict=True))) for row in set(rows)}
        return [known[row] for row in rows]
    done: dict[tuple[Any, ...], Any] = {}
    out = []
    for row in rows:
        marker = tuple((type(v), v) for v in row)
        if marker not in done:
            done[marker] = work(dict(zip(folded, row, strict=True)))
        out.append(done[marker])
    return out


def _settle(
    mapping: LayerMapping, found: tuple[tuple[Any, str | None], ...]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Return the values and problems of a row not skipped, from each field's outcome."""
    row = _assemble(mapping, None, [], {}, None, dict(zip(mapping.fields, found, strict=True)))
    return row.values, row.problems


def _assemble(
    mapping: LayerMapping,
    key: str | None,
    problems: list[str],
    codes: dict[str, str],
    skipped: str | None,
    found: Mapping[str, tuple[Any, str | None]],
) -> MappedRow:
    """Return the mapped row from each field's (value, problem), or the skipped row."""
    if skipped is not None:
        return MappedRow(key, {}, codes, skipped, tuple(problems))
    values: dict[str, Any] = {}
    for name, rule in mapping.fields.items():
        value, problem = found[name]
        if problem is not None:
            problems.append(problem)
        elif value is None and rule.required:
            problems.append(f"{name}: no value in {', '.join(_chain_columns(rule))}")
        if value is not None:
            values[name] = value
    return MappedRow(key, values, codes, None, tuple(problems))


def _key(columns: tuple[str, ...], row: Mapping[str, Any]) -> tuple[str | None, list[str]]:
    """Join the key columns' codes with ``.``; an empty part is a problem and no key.

    A dot, not a slash: the key becomes the feature's code, which OGC API paths carry.

    A part made only of digits loses its leading zeros, so a commune code read as text
    (``02404``) and the same code read as a number (``2404.0``) give one key.
    """
    parts = [_key_text(row.get(column.casefold())) for column in columns]
    return _joined_key(columns, parts)


def _key_part(text: str | None) -> str | None:
    """Return a key part with the leading zeros of an all-digit code dropped."""
    return str(int(text)) if text is not None and text.isascii() and text.isdigit() else text


def _skip_reason(rules: tuple[SkipRule, ...], row: Mapping[str, Any]) -> str | None:
    """Return the reason of the first skip rule the row matches."""
    for rule in rules:
        text = code_text(row.get(rule.column.casefold()))
        if text is not None and text.casefold() in rule.values:
            return f"{rule.reason} ({rule.column} {text!r})"
    return None


def _value(rule: FieldRule, row: Mapping[str, Any]) -> tuple[Any, str | None]:
    """Return ``(value, problem)`` for one rule, trying its fallback when its columns are empty."""
    present = [row.get(column.casefold()) for column in rule.columns]
    texts = [text for text in map(code_text, present) if text is not None]
    if not texts:
        if rule.fallback is not None:
            return _value(rule.fallback, row)
        return rule.default, None
    if rule.codes is None:
        return texts[0], None
    mapped = rule.codes.get(texts[0].casefold())
    if mapped is None:
        return None, f"{rule.columns[0]} {texts[0]!r} is not in the mapping"
    return mapped, None


def _chain_columns(rule: FieldRule) -> list[str]:
    """Return the columns a rule and its fallbacks read, in order."""
    columns = list(rule.columns)
    if rule.fallback is not None:
        columns += _chain_columns(rule.fallback)
    return columns


def _rule(value: Any, where: str, allowed: frozenset[str] | None) -> FieldRule:
    """Validate one field rule (``from``, ``from_any`` or ``code`` + ``map``)."""
    spec = _mapping_at(value, where)
    _no_unknown_keys(spec, _RULE_KEYS, where)
    kinds = [kind for kind in ("from", "from_any", "code") if kind in spec]
    if len(kinds) != 1:
        raise MappingError(f"{where}: give exactly one of from, from_any, code (got {kinds})")
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise MappingError(f"{where}.required: must be true or false")
    fallback = spec.get("fallback")
    if kinds[0] != "code":
        if {"map", "default", "fallback"} & spec.keys():
            raise MappingError(f"{where}: map, default and fallback belong to a code rule")
        if kinds[0] == "from":
            return FieldRule((_text_at(spec["from"], f"{where}.from"),), required=required)
        return FieldRule(_columns_at(spec["from_any"], f"{where}.from_any"), required=required)
    codes = _code_map(spec.get("map"), f"{where}.map", allowed)
    default = spec.get("default")
    if default is not None and (not isinstance(default, str) or default not in codes.values()):
        raise MappingError(f"{where}.default: {default!r} is not one of the map's values")
    return FieldRule(
        columns=(_text_at(spec["code"], f"{where}.code"),),
        codes=codes,
        default=default,
        required=required,
        fallback=None if fallback is None else _rule(fallback, f"{where}.fallback", allowed),
    )


def _code_map(value: Any, where: str, allowed: frozenset[str] | None) -> dict[str, str]:
    """Validate a ``map``: source codes (text or numbers) to registry values."""
    raw = _mapping_at(value, where)
    if not raw:
        raise MappingError(f"{where}: is empty")
    codes: dict[str, str] = {}
    for source, target in raw.items():
        code = code_text(source)
        if code is None or not isinstance(target, str) or not target:
            raise MappingError(f"{where}.{source}: needs a code and a registry value")
        if allowed is not None and target not in allowed:
            raise MappingError(f"{where}.{source}: {target!r} is not one of {sorted(allowed)}")
        codes[code.casefold()] = target
    return codes


def _skips(doc: Mapping[str, Any], where: str) -> list[Any]:
    """Return the ``skip`` list (empty when absent)."""
    skips = doc.get("skip", [])
    if not isinstance(skips, list):
        raise MappingError(f"{where}: skip must be a list")
    return skips


def _skip(value: Any, where: str) -> SkipRule:
    """Validate one skip rule: ``column``, ``values`` and ``reason``."""
    spec = _mapping_at(value, where)
    _no_unknown_keys(spec, frozenset({"column", "values", "reason"}), where)
    values = spec.get("values")
    if not isinstance(values, list) or not values:
        raise MappingError(f"{where}.values: must be a non-empty list of codes")
    codes = {code_text(item) for item in values}
    if None in codes:
        raise MappingError(f"{where}.values: an entry is empty")
    return SkipRule(
        column=_text_at(spec.get("column"), f"{where}.column"),
        values=frozenset(code.casefold() for code in codes if code is not None),
        reason=_text_at(spec.get("reason"), f"{where}.reason"),
    )


def _mapping_at(value: Any, where: str) -> dict[str, Any]:
    """Return ``value`` as a mapping with text keys, or raise naming ``where``."""
    if not isinstance(value, dict):
        raise MappingError(f"{where}: must be a mapping (got {type(value).__name__})")
    return {str(key): item for key, item in value.items()}


def _text_at(value: Any, where: str) -> str:
    """Return ``value`` as non-empty text, or raise naming ``where``."""
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{where}: must be non-empty text")
    return value.strip()


def _columns_at(value: Any, where: str, *, empty_ok: bool = False) -> tuple[str, ...]:
    """Return a list of column names, or raise naming ``where``."""
    if not isinstance(value, list) or (not value and not empty_ok):
        raise MappingError(f"{where}: must be a non-empty list of column names")
    return tuple(_text_at(item, f"{where}[{i}]") for i, item in enumerate(value))


def _no_unknown_keys(spec: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    """Raise when ``spec`` has a key outside ``known`` (a typo must not be ignored)."""
    unknown = sorted(set(spec) - known)
    if unknown:
        raise MappingError(f"{where}: unknown {', '.join(unknown)} (allowed: {sorted(known)})")
