from pathlib import Path

import pytest

from app.models.enums import (
    AdminLevel,
    ClearanceStatus,
    ForestCategory,
    ForestOrigin,
    InfrastructureKind,
    InfrastructureStatus,
    SiteKind,
    SiteStatus,
)
from spatial.io.mapping import (
    REGISTRY_VALUES,
    MappingError,
    apply,
    apply_batch,
    check_columns,
    load_mapping,
    shipped_mapping,
)

# Field names as FORMIS province exports of forest-change monitoring (theo dõi diễn biến rừng)
# write them; values of a natural special-use lô and a planted production lô.
NATURAL_SPECIAL_USE = {
    "tt": 17,
    "matinh": 12,
    "mahuyen": 106,
    "maxa": "03460",
    "xa": "Mường Tè",
    "tk": "368",
    "khoanh": "2",
    "lo": "5",
    "ddanh": "Bản Nậm Củm",
    "dtich": 12.4,
    "nggocr": 1,
    "ldlr": "TXG",
    "maldlr": 14,
    "malr3": 2,
    "mdsd": "BTTN",
    "mamdsd": 6,
    "churung": "BQL Khu bảo tồn thiên nhiên Mường Tè",
    "machur": 1001,
}
PLANTED_PRODUCTION = {
    "maxa": 2404.0,
    "tk": 210.0,
    "khoanh": 3.0,
    "lo": "14",
    "nggocr": 2.0,
    "ldlr": "rtg",
    "malr3": 3.0,
    "mdsd": "SXGL",
    "namtr": 2016.0,
}


@pytest.fixture(scope="module")
def forest():
    return shipped_mapping("forest")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_mapping_loads(forest):
    assert forest.layer == "forest"
    assert forest.key == ("maxa", "tk", "khoanh", "lo")
    assert {"category", "origin"} <= forest.fields.keys()


def test_registry_values_match_app_enums():
    assert REGISTRY_VALUES["forest"]["category"] == {c.value for c in ForestCategory}
    assert REGISTRY_VALUES["forest"]["origin"] == {o.value for o in ForestOrigin}
    assert REGISTRY_VALUES["admin_units"]["level"] == {level.value for level in AdminLevel}
    assert REGISTRY_VALUES["sites"]["kind"] == {k.value for k in SiteKind}
    assert REGISTRY_VALUES["sites"]["status"] == {s.value for s in SiteStatus}
    assert REGISTRY_VALUES["clearance_parcels"]["status"] == {s.value for s in ClearanceStatus}
    assert REGISTRY_VALUES["infrastructure"]["kind"] == {k.value for k in InfrastructureKind}
    assert REGISTRY_VALUES["infrastructure"]["status"] == {s.value for s in InfrastructureStatus}


def test_apply_maps_natural_special_use_lo(forest):
    row = apply(forest, NATURAL_SPECIAL_USE)
    assert row.problems == ()
    assert row.skipped is None
    assert row.key == "3460.368.2.5"
    assert row.values["category"] == "special_use"
    assert row.values["origin"] == "natural"
    assert row.values["commune"] == "Mường Tè"
    assert row.source_codes["ldlr"] == "TXG"
    assert row.source_codes["malr3"] == "2"
    assert row.source_codes["maxa"] == "03460"


def test_apply_maps_float_codes_like_integers(forest):
    row = apply(forest, PLANTED_PRODUCTION)
    assert row.problems == ()
    assert row.key == "2404.210.3.14"
    assert row.values["category"] == "production"
    assert row.values["origin"] == "planted"
    assert row.source_codes["nggocr"] == "2"
    assert row.source_codes["namtr"] == "2016"


def test_apply_maps_malr3_1_to_protection(forest):
    row = apply(forest, {**PLANTED_PRODUCTION, "malr3": "1"})
    assert row.values["category"] == "protection"


def test_apply_takes_origin_from_ldlr_without_nggocr(forest):
    record = {k: v for k, v in NATURAL_SPECIAL_USE.items() if k != "nggocr"}
    assert apply(forest, {**record, "ldlr": "RTK"}).values["origin"] == "planted"
    assert apply(forest, {**record, "ldlr": "txdb"}).values["origin"] == "natural"


def test_apply_reports_unknown_code_naming_column_and_value(forest):
    record = {k: v for k, v in NATURAL_SPECIAL_USE.items() if k != "nggocr"}
    row = apply(forest, {**record, "ldlr": "XYZ"})
    assert row.problems == ("ldlr 'XYZ' is not in the mapping",)
    assert "origin" not in row.values


def test_apply_reports_unknown_malr3(forest):
    row = apply(forest, {**NATURAL_SPECIAL_USE, "malr3": 7})
    assert row.problems == ("malr3 '7' is not in the mapping",)


def test_apply_reports_missing_required_value(forest):
    row = apply(forest, {**NATURAL_SPECIAL_USE, "malr3": None})
    assert row.problems == ("category: no value in malr3",)


def test_apply_reports_empty_key_column(forest):
    row = apply(forest, {**NATURAL_SPECIAL_USE, "lo": " "})
    assert row.key is None
    assert row.problems == ("key column lo is empty",)


def test_apply_skips_land_without_forest(forest):
    row = apply(forest, {**NATURAL_SPECIAL_USE, "nggocr": 3, "ldlr": "DT1", "maldlr": 82})
    assert row.skipped == "not forest (land without forest) (nggocr '3')"
    assert row.values == {}
    assert row.problems == ()
    assert row.source_codes["ldlr"] == "DT1"


def test_apply_skips_bare_land_by_ldlr_without_nggocr(forest):
    record = {k: v for k, v in NATURAL_SPECIAL_USE.items() if k != "nggocr"}
    row = apply(forest, {**record, "ldlr": "dt2"})
    assert row.skipped is not None
    assert row.skipped.startswith("not forest")


def test_apply_reads_upper_case_columns(forest):
    row = apply(forest, {k.upper(): v for k, v in NATURAL_SPECIAL_USE.items()})
    assert row.problems == ()
    assert row.values["category"] == "special_use"
    assert row.source_codes["ldlr"] == "TXG"


def test_check_columns_accepts_upper_case_names(forest):
    assert check_columns(forest, [c.upper() for c in NATURAL_SPECIAL_USE]) == []


def test_check_columns_lists_missing_columns(forest):
    problems = check_columns(forest, ["maxa", "tk", "khoanh", "ldlr"])
    assert problems == [
        "key column 'lo' is missing",
        "field category needs one of the columns malr3",
    ]


def test_check_columns_accepts_ldlr_in_place_of_nggocr(forest):
    assert check_columns(forest, ["maxa", "tk", "khoanh", "lo", "malr3", "ldlr"]) == []


def test_load_mapping_rejects_unknown_rule(tmp_path):
    path = write(tmp_path, "layer: forest\nkey: [lo]\nfields:\n  category:\n    copy: malr3\n")
    with pytest.raises(MappingError, match=r"fields\.category: unknown copy"):
        load_mapping(path)


def test_load_mapping_rejects_missing_layer(tmp_path):
    path = write(tmp_path, "key: [lo]\nfields:\n  commune:\n    from: xa\n")
    with pytest.raises(MappingError, match=r"broken\.yaml: layer: must be non-empty text"):
        load_mapping(path)


def test_load_mapping_rejects_map_to_unknown_registry_value(tmp_path):
    text = "layer: forest\nkey: [lo]\nfields:\n  category:\n    code: malr3\n    map: {1: jungle}\n"
    with pytest.raises(MappingError, match=r"fields\.category\.map\.1: 'jungle' is not one of"):
        load_mapping(write(tmp_path, text))


def test_load_mapping_rejects_map_that_is_a_list(tmp_path):
    text = "layer: forest\nkey: [lo]\nfields:\n  category:\n    code: malr3\n    map: [1, 2]\n"
    with pytest.raises(MappingError, match=r"fields\.category\.map: must be a mapping"):
        load_mapping(write(tmp_path, text))


def test_load_mapping_rejects_bad_skip(tmp_path):
    text = "layer: forest\nkey: [lo]\nfields: {}\nskip:\n  - column: nggocr\n    reason: x\n"
    with pytest.raises(MappingError, match=r"skip\[0\]\.values: must be a non-empty list"):
        load_mapping(write(tmp_path, text))


def test_load_mapping_rejects_invalid_yaml(tmp_path):
    with pytest.raises(MappingError, match="not valid YAML"):
        load_mapping(write(tmp_path, "layer: [forest\n"))


def test_shipped_mapping_rejects_unknown_layer():
    with pytest.raises(MappingError, match="no shipped mapping for layer 'roads'"):
        shipped_mapping("roads")


def test_from_any_copies_first_non_empty_column(tmp_path):
    text = (
        "layer: forest\nkey: [maxa, lo]\nfields:\n"
        "  commune:\n    from_any: [xa, tenxa]\n"
        "  category:\n    code: malr3\n    map: {3: production}\n    default: production\n"
    )
    mapping = load_mapping(write(tmp_path, text))
    row = apply(mapping, {"MAXA": "01", "LO": "a", "XA": " ", "TENXA": "Bản Hồ"})
    assert row.key == "1.a"
    assert row.values == {"commune": "Bản Hồ", "category": "production"}


def test_apply_batch_maps_every_row_as_apply_does(forest):
    """Column by column, with repeated codes worked out once: the very same rows."""
    records = [
        {
            "MAXA": 2404,
            "tk": 101,
            "khoanh": 2,
            "lo": 1,
            "malr3": 1,
            "nggocr": 1,
            "ldlr": "TXG",
            "xa": "Mường Hum",
        },
        {
            "MAXA": 2404,
            "tk": 101,
            "khoanh": 2,
            "lo": 2,
            "malr3": 2.0,
            "nggocr": 2,
            "ldlr": "RTG",
            "xa": "Mường Hum",
        },
        {
            "MAXA": 2404,
            "tk": 101,
            "khoanh": 2,
            "lo": 3,
            "malr3": 9,
            "nggocr": 1,
            "ldlr": "TXG",
            "xa": None,
        },
        {
            "MAXA": 2404,
            "tk": 101,
            "khoanh": 2,
            "lo": None,
            "malr3": 1,
            "nggocr": None,
            "ldlr": "RTK",
            "xa": "Bản Xèo",
        },
        {
            "MAXA": 2404,
            "tk": 101,
            "khoanh": 2,
            "lo": 5,
            "malr3": 1,
            "nggocr": 3,
            "ldlr": "DT2",
            "xa": "Bản Xèo",
        },
        {
            "MAXA": 2404,
            "tk": 101,
            "khoanh": 2,
            "lo": 6,
            "malr3": 1,
            "nggocr": 1,
            "ldlr": "TXG",
            "xa": "Mường Hum",
        },
    ]
    columns = {name: [record[name] for record in records] for name in records[0]}
    assert apply_batch(forest, columns, len(records)) == [apply(forest, r) for r in records]
