"""Legal decisions: the demo loader's links, search by number, adding one with its document."""

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.repositories import Conflict
from app.repositories import decisions as repo
from app.services import decisions
from app.services.demo_loader import load_demo
from spatial.errors import TooLarge, UnsupportedFormat

DEMO_DIR = Path(__file__).resolve().parents[3] / "data" / "geojson"
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n\x00\xff\x00trailer\n%%EOF\n"
MAX_BYTES = 1_000_000


def _add(session: Session, number: str, **kw) -> repo.DecisionRow:
    new = decisions.NewDecision(
        number=number,
        decision_date=kw.pop("decision_date", date(2026, 3, 1)),
        issuer=kw.pop("issuer", "UBND tỉnh Lào Cai"),
        subject=kw.pop("subject", "Thành lập Cụm công nghiệp Thử"),
    )
    return decisions.add_decision(
        session, new, document=kw.pop("document", None), max_bytes=kw.pop("max_bytes", MAX_BYTES)
    )


def _numbers(session: Session, query: str) -> set[str]:
    filters = repo.DecisionFilters(number=query)
    return {row.decision.number for row in repo.list_decisions(session, filters=filters)[1]}


def test_demo_loader_links_every_site_that_names_a_decision(db_session: Session):
    unlinked = db_session.scalar(
        sa.text(
            "SELECT count(*) FROM sites WHERE legal_decision_number IS NOT NULL "
            "AND legal_decision_id IS NULL"
        )
    )
    mismatched = db_session.scalar(
        sa.text(
            "SELECT count(*) FROM sites AS s JOIN legal_decisions AS d "
            "ON d.id = s.legal_decision_id WHERE d.number <> s.legal_decision_number "
            "OR d.issuer <> s.legal_issuer "
            "OR d.decision_date IS DISTINCT FROM s.legal_decision_date"
        )
    )
    assert unlinked == 0 and mismatched == 0


def test_demo_loader_registers_one_decision_per_number_issuer_and_date(db_session: Session):
    distinct = db_session.scalar(
        sa.text(
            "SELECT count(*) FROM (SELECT DISTINCT legal_decision_number, legal_issuer, "
            "legal_decision_date FROM sites WHERE legal_decision_number IS NOT NULL) AS cited"
        )
    )
    registered = db_session.scalar(sa.text("SELECT count(*) FROM legal_decisions"))
    assert registered == distinct == 22
    cited_by_43 = repo.list_decisions(db_session, filters=repo.DecisionFilters(number="525"))
    assert len(repo.citing_sites(db_session, cited_by_43[1][0].decision.id)) == 43


def test_demo_loader_relinks_a_site_whose_link_is_missing(db_session: Session):
    db_session.execute(
        sa.text("UPDATE sites SET legal_decision_id = NULL WHERE code = 'KCN-PHIA-NAM'")
    )
    report = load_demo(db_session, DEMO_DIR)
    assert report.loaded == {"site decision links": 1}
    assert load_demo(db_session, DEMO_DIR).loaded == {}


@pytest.mark.parametrize(
    "query", ["1234", "qd-ubnd", "QD UBND", "1234/QĐ-UBND", "1234/qd-ubnd", "1234 QĐ UBND"]
)
def test_decision_search_ignores_case_spaces_diacritics_and_d(db_session: Session, query: str):
    _add(db_session, "1234/QĐ-UBND")
    assert "1234/QĐ-UBND" in _numbers(db_session, query)


def test_decision_search_matches_whole_words_only(db_session: Session):
    _add(db_session, "1234/QĐ-UBND")
    _add(db_session, "11234/QĐ-UBND")
    _add(db_session, "1234/QĐ-TTg", issuer="Thủ tướng Chính phủ")
    assert _numbers(db_session, "1234") == {"1234/QĐ-UBND", "1234/QĐ-TTg"}
    assert _numbers(db_session, "1234 qd ttg") == {"1234/QĐ-TTg"}
    assert _numbers(db_session, "123") == set()


def test_decision_same_number_of_another_issuer_or_year_is_another_decision(db_session: Session):
    _add(db_session, "1234/QĐ-UBND")
    _add(db_session, "1234/QĐ-UBND", issuer="UBND tỉnh Lai Châu")
    _add(db_session, "1234/QĐ-UBND", decision_date=date(2025, 3, 1))
    assert len(repo.list_decisions(db_session, filters=repo.DecisionFilters(number="1234"))[1]) == 3


def test_decision_add_refuses_the_same_number_issuer_and_date(db_session: Session):
    _add(db_session, "1234/QĐ-UBND")
    with pytest.raises(Conflict, match="already exists"):
        _add(db_session, "1234/QD-UBND")


def test_decision_document_is_stored_byte_identical_with_its_media_type(db_session: Session):
    upload = decisions.DocumentUpload("Quyết định 1234.pdf", PDF_BYTES)
    row = _add(db_session, "1234/QĐ-UBND", document=upload)
    assert row.document is not None and row.document.media_type == "application/pdf"
    stored = decisions.document(db_session, row.decision.id)
    assert stored.content == PDF_BYTES and stored.size_bytes == len(PDF_BYTES)


def test_decision_document_sniffs_docx_and_refuses_other_zips():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    docx = decisions.DocumentUpload("qd.docx", buffer.getvalue())
    assert decisions.sniff_media_type(docx) == decisions.DOCX
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.shp", "x")
    with pytest.raises(UnsupportedFormat, match="not a PDF, DOCX"):
        decisions.sniff_media_type(decisions.DocumentUpload("a.zip", buffer.getvalue()))


def test_decision_add_stores_nothing_when_the_document_is_refused(db_session: Session):
    text_file = decisions.DocumentUpload("qd.txt", "Quyết định".encode())
    with pytest.raises(UnsupportedFormat, match="qd.txt: not a PDF"):
        _add(db_session, "1234/QĐ-UBND", document=text_file)
    with pytest.raises(TooLarge, match="over the"):
        _add(
            db_session,
            "1234/QĐ-UBND",
            document=decisions.DocumentUpload("big.pdf", PDF_BYTES),
            max_bytes=10,
        )
    assert _numbers(db_session, "1234") == set()
