import sqlalchemy as sa
from sqlalchemy.orm import Session

from spatial.text import fold, nfc, slug_code


def test_fold_removes_vietnamese_diacritics():
    assert fold("KCN Tằng Loỏng") == "kcn tang loong"
    assert fold("CCN Đông Phố Mới") == "ccn dong pho moi"
    assert fold("Mỏ đất hiếm Đông Pao") == "mo dat hiem dong pao"


def test_fold_accepts_decomposed_input():
    decomposed = "Ta\u0306\u0300ng Lo\u0309ong"  # NFD: a + breve + grave, o + hook
    assert fold(decomposed) == "tang loong"


def test_nfc_collapses_whitespace_and_composes():
    assert nfc("  Sơn   Mãn \n") == "Sơn Mãn"
    assert nfc("o\u0309") == "ỏ"


def test_slug_code_is_ascii_uppercase():
    assert slug_code("CCN Phú Thịnh 1") == "CCN-PHU-THINH-1"
    assert slug_code("KCN Võ Lao (GĐ1)") == "KCN-VO-LAO-GD1"


def test_sql_fold_matches_python_fold_on_every_site_name(db_session: Session):
    rows = db_session.execute(sa.text("SELECT name, sitereg_fold(name) FROM sites")).all()
    assert rows, "the demo data should have sites"
    for name, folded in rows:
        assert folded == fold(name), name
