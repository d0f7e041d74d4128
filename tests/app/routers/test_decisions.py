"""/api/v1/decisions: search and paging, one decision with its sites, its document, 404s."""

from datetime import date
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.schemas.decision import DecisionDetail, DecisionPage
from app.schemas.problem import PROBLEM_MEDIA_TYPE, ProblemDetail
from app.schemas.site import SiteFeature
from app.services import decisions

PDF_BYTES = b"%PDF-1.7\n\x00\x01\x02\xfe\xff binary body\n%%EOF\n"


def _add(session: Session, document: decisions.DocumentUpload | None = None) -> int:
    new = decisions.NewDecision(
        number="1234/QĐ-UBND",
        decision_date=date(2026, 3, 1),
        issuer="UBND tỉnh Lào Cai",
        subject="Thành lập Cụm công nghiệp Thử",
    )
    row = decisions.add_decision(session, new, document=document, max_bytes=1_000_000)
    return row.decision.id


def _problem(response, status: int) -> ProblemDetail:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    return ProblemDetail.model_validate(response.json())


def test_list_decisions_pages_with_links(client: TestClient):
    response = client.get("/api/v1/decisions", params={"limit": 5, "offset": 5})
    assert response.status_code == 200
    page = DecisionPage.model_validate(response.json())
    assert page.numberMatched == 22 and page.numberReturned == 5
    rels = {link.rel: link.href for link in page.links}
    assert {"self", "next", "prev"} <= set(rels) and "offset=10" in rels["next"]


def test_list_decisions_by_number_issuer_and_dates(client: TestClient):
    params = {"number": "qd ubnd", "issuer": "lao cai", "from": "2026-01-01", "to": "2026-03-31"}
    page = DecisionPage.model_validate(client.get("/api/v1/decisions", params=params).json())
    assert [d.number for d in page.decisions] == ["525/QĐ-UBND"]


def test_list_decisions_finds_the_number_without_diacritics(client: TestClient, db_session):
    decision_id = _add(db_session)
    for query in ("1234", "qd-ubnd", "QD UBND", "1234/qđ-ubnd"):
        body = client.get("/api/v1/decisions", params={"number": query, "limit": 100}).json()
        assert decision_id in {d["id"] for d in body["decisions"]}, query


def test_list_decisions_bad_date_is_a_400_problem(client: TestClient):
    problem = _problem(client.get("/api/v1/decisions", params={"from": "yesterday"}), 400)
    assert problem.errors and "from" in problem.errors[0].pointer


def test_get_decision_lists_the_sites_that_cite_it(client: TestClient):
    item = client.get("/ogc/collections/sites/items/KCN-PHIA-NAM").json()
    decision_id = SiteFeature.model_validate(item).properties.legal_decision_id
    assert decision_id is not None
    detail = DecisionDetail.model_validate(client.get(f"/api/v1/decisions/{decision_id}").json())
    assert detail.number == "525/QĐ-UBND" and len(detail.sites) == 43
    assert "KCN-PHIA-NAM" in {site.code for site in detail.sites}
    assert detail.document is None


def test_get_decision_unknown_is_a_404_problem(client: TestClient):
    problem = _problem(client.get("/api/v1/decisions/999999"), 404)
    assert problem.detail == "decision '999999' does not exist"


def test_decision_without_a_document_is_a_404_problem(client: TestClient, db_session):
    decision_id = _add(db_session)
    problem = _problem(client.get(f"/api/v1/decisions/{decision_id}/document"), 404)
    assert "document" in problem.detail
    _problem(client.get("/api/v1/decisions/999999/document"), 404)


def test_decision_document_round_trips_byte_identical(client: TestClient, db_session):
    name = "Quyết định 1234.pdf"
    decision_id = _add(db_session, decisions.DocumentUpload(name, PDF_BYTES))
    detail = DecisionDetail.model_validate(client.get(f"/api/v1/decisions/{decision_id}").json())
    assert detail.document is not None and detail.document.size_bytes == len(PDF_BYTES)
    response = client.get(detail.document.href)
    assert response.status_code == 200
    assert response.content == PDF_BYTES
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and quote(name, safe="") in disposition
    assert response.headers["etag"] == f'"{detail.document.sha256}"'


def test_decisions_date_range_backwards_is_400_naming_from(client):
    response = client.get("/api/v1/decisions", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/query/from"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/decisions?offset=18446744073709551616",
        "/api/v1/decisions/288230376151711745",
        "/api/v1/decisions/270481514274/document",
        "/api/v1/sites?offset=18446744073709551616",
        "/ogc/collections/sites/items?limit=10&offset=9223372036854775807",
    ],
)
def test_out_of_range_offsets_and_ids_are_400_not_500(client: TestClient, path: str):
    # Found by schemathesis: PostgreSQL's integer and bigint overflowed into a 500.
    response = client.get(path)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
