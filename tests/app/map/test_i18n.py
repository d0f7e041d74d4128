import re
from datetime import date
from enum import StrEnum

import pytest

from app.map.i18n import LANGS, TEXTS, format_date, format_number, parse_lang, texts
from app.models import enums
from app.settings import PROJECT_ROOT

# Label group of each enum whose values the pages show (t("kind." ~ value), T("kind." + value)).
ENUM_GROUPS: dict[str, type[StrEnum]] = {
    "kind": enums.SiteKind,
    "status": enums.SiteStatus,
    "source": enums.GeometrySource,
    "wastewater": enums.WastewaterStatus,
    "licence": enums.LicenceStatus,
    "clearance": enums.ClearanceStatus,
    "infra": enums.InfrastructureKind,
    "infra_status": enums.InfrastructureStatus,
    "forest": enums.ForestCategory,
    "origin": enums.ForestOrigin,
    "unit": enums.TargetUnit,
}
TEMPLATES = PROJECT_ROOT / "app" / "templates" / "map"
SCRIPTS = PROJECT_ROOT / "static" / "map"
# t("key") in templates, T("key") in scripts; keys built from a prefix are checked by group.
USED_KEY = re.compile(r"""\b[tT]\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']\s*\)""")


def _used_keys() -> set[str]:
    files = [*TEMPLATES.glob("*.html"), *SCRIPTS.glob("*.js"), PROJECT_ROOT / "app/map/page.py"]
    return {key for path in files for key in USED_KEY.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("lang", LANGS)
def test_i18n_every_label_exists_in_both_languages(lang: str):
    labels = texts(lang)  # type: ignore[arg-type]
    assert labels.keys() == TEXTS.keys()
    assert [key for key, text in labels.items() if not text.strip()] == []


def test_i18n_every_key_used_by_a_page_is_in_the_table():
    used = _used_keys()
    assert len(used) > 50  # the pattern finds the keys
    assert sorted(used - TEXTS.keys()) == []


@pytest.mark.parametrize("group", ENUM_GROUPS)
def test_i18n_every_enum_value_has_a_label(group: str):
    missing = [m.value for m in ENUM_GROUPS[group] if f"{group}.{m.value}" not in TEXTS]
    assert missing == []


def test_i18n_vietnamese_labels_keep_their_diacritics():
    assert TEXTS["badge.indicative"].vi == "chỉ định hướng"
    assert TEXTS["badge.synthetic"].vi == "dữ liệu mô phỏng — không phải số liệu thật"
    assert TEXTS["kind.industrial_zone"].vi == "Khu công nghiệp"
    assert (TEXTS["badge.indicative"].en, TEXTS["badge.synthetic"].en) == (
        "indicative",
        "synthetic data — not real figures",
    )


def test_i18n_vietnamese_is_the_default_language():
    assert (parse_lang(None), parse_lang("fr"), parse_lang("en")) == ("vi", "vi", "en")


def test_i18n_numbers_use_each_languages_separators():
    assert format_number(1234.5, "vi") == "1.234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(None, "vi") == "—"


def test_i18n_numbers_round_the_exact_value_half_away_from_zero_like_the_browser():
    # 0.125 is exact in binary (a true tie); 2.675 is stored just below 2.675.
    assert (format_number(0.125, "en", 2), format_number(2.675, "en", 2)) == ("0.13", "2.67")
    assert format_number(1234567, "vi", 0) == "1.234.567"


def test_i18n_dates_use_each_languages_form():
    assert format_date(date(2026, 11, 5), "vi") == "05/11/2026"
    assert format_date(date(2026, 11, 5), "en") == "5 Nov 2026"
    assert format_date(None, "en") == "—"
