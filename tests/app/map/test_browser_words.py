"""Every string a person sees on the Vietnamese pages comes from the Vietnamese label table.

Headless Chromium walks the visible text nodes (and input placeholders) of each page, with
every ``<details>`` opened. Each text must be made of (a) values of the Vietnamese label table
(placeholders such as ``{when}`` stand for any text), (b) data: the registry's own names and
notes read from the database, numbers, dates, codes and units, or (c) an entry of ``ALLOWED``,
with its reason. The test fails listing every text that is none of these.
"""

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser import Watched, open_page
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.map.i18n import texts
from app.models.enums import Role
from app.models.identity import AuthEvent, User, WebSession
from app.models.imports import Import, ImportJob
from app.services import identity

FIXTURES = Path(__file__).parents[2] / "fixtures" / "map"
PROPOSAL = FIXTURES / "proposal_tang_loong.geojson"
PASSWORD = "mật khẩu đủ dài 2026"
AGENCY = "LC-BQL-KCN"
SYNTHETIC = "dữ liệu mô phỏng — không phải số liệu thật"

ALLOWED = {
    "Tiếng Việt": "the language switcher names each language in that language",
    "English": "the language switcher names each language in that language",
    "Leaflet": "the map library's attribution, a product name",
    "+": "Leaflet's zoom-in button",
    "−": "Leaflet's zoom-out button",
    "▸": "the legend's disclosure arrow",
    "▾": "the legend's disclosure arrow",
    "GeoJSON": "a file format's name, the same in every language",
    "GeoPackage": "a file format's name",
    "Shapefile (.zip)": "a file format's name",
    "KML": "a file format's name",
    "CSV": "a file format's name",
    "·": "a separator",
}
# Recorded text quoted verbatim (.sr-source-note): the compilers' source notes (under a
# Vietnamese label saying so), a reported figure's document title, the actor and reason of a
# version in the history; and the API's own detail after a problem's or a warning's Vietnamese
# sentence (.sr-problem-detail, after "Chi tiết kỹ thuật").
VERBATIM = ".sr-source-note, .sr-problem-detail"

# Visible text nodes and placeholders, with whether they sit in a verbatim quotation.
VISIBLE_TEXT = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const out = [];
  const seen = (element) => element.checkVisibility({visibilityProperty: true});
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    const parent = node.parentElement;
    if (!text || !parent || parent.closest('script, style, noscript, template')) continue;
    if (!seen(parent)) continue;
    out.push([text, parent.closest('VERBATIM') !== null]);
  }
  document.querySelectorAll('[placeholder]').forEach(e => {
    if (seen(e)) out.push([e.getAttribute('placeholder'), false]);
  });
  return out;
}""".replace("VERBATIM", VERBATIM)

DATA_SQL = """
SELECT name FROM sites UNION SELECT province FROM sites UNION SELECT unnest(communes) FROM sites
UNION SELECT managing_agency FROM sites UNION SELECT legal_issuer FROM sites
UNION SELECT name FROM admin_units UNION SELECT province FROM admin_units
UNION SELECT name FROM protected_areas UNION SELECT name FROM agencies
UNION SELECT title_vi FROM plan_targets UNION SELECT legal_source FROM plan_targets
UNION SELECT agency FROM reported_figures UNION SELECT mineral FROM mining_details
UNION SELECT licensed_capacity FROM mining_details
"""
# Numbers, dates, decision numbers and anything else holding a digit; codes like KCN-TANG-LOONG;
# units of measure.
DATA_TOKENS = re.compile(
    r"\S*\d\S*|(?<!\w)[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)+(?!\w)|(?<!\w)(?:ha|m|km|mi|ft)(?!\w)"
)


def _pattern(text: str) -> str:
    """Return the regex of a label or a data string; ``{placeholder}`` matches any text."""
    parts = re.split(r"\{[a-z_]+\}", text)
    return ".+?".join(re.escape(part) for part in parts)


def _remover(strings: set[str]) -> re.Pattern[str]:
    """Return one regex matching any of ``strings`` as whole words, the longest first."""
    ordered = sorted((s for s in strings if s.strip()), key=len, reverse=True)
    body = "|".join(_pattern(s) for s in ordered)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@pytest.fixture(scope="module")
def known(engine: sa.Engine) -> re.Pattern[str]:
    """Every Vietnamese label and every data string of the registry, as one regex."""
    with engine.connect() as conn:
        data = {value for value in conn.execute(sa.text(DATA_SQL)).scalars() if value}
    # The map writes a commune's name without its "Xã"/"Phường".
    data |= {re.sub(r"^(Xã|Phường|Thị trấn|Đặc khu) ", "", value) for value in data}
    return _remover(set(texts("vi").values()) | data)


def _strays(page: Page, known: re.Pattern[str], *, data: tuple[str, ...] = ()) -> list[str]:
    """Return the visible texts that are neither labels, data (and ``data``) nor allowed."""
    strays = []
    for text, verbatim in page.evaluate(VISIBLE_TEXT):
        if verbatim or text in ALLOWED:
            continue
        for value in data:
            text = text.replace(value, " ")
        rest = DATA_TOKENS.sub(" ", known.sub(" ", text))
        if re.search(r"[^\W\d_]", rest):
            strays.append(f"{text!r} (left: {' '.join(rest.split())!r})")
    return sorted(set(strays))


@pytest.fixture(scope="module")
def owner(owner_database_url: str) -> Iterator[sa.Engine]:
    """The test database's owner, who may remove the person this module signs in as."""
    made = make_engine(owner_database_url)
    yield made
    made.dispose()


@pytest.fixture
def approver(engine: sa.Engine, owner: sa.Engine) -> Iterator[str]:
    """An approver of Lào Cai's industrial-zone authority, removed afterwards."""
    name = f"phe_duyet_{secrets.token_hex(3)}"
    try:
        with Session(engine) as session:
            identity.create_user(
                session, name, password=PASSWORD, role=Role.APPROVER, agency_code=AGENCY
            )
        yield name
    finally:
        with owner.begin() as conn:
            ids = sa.select(User.id).where(User.username == name).scalar_subquery()
            conn.execute(sa.delete(ImportJob).where(ImportJob.user_id.in_(ids)))
            conn.execute(sa.delete(Import).where(Import.actor_id.in_(ids)))
            conn.execute(sa.delete(WebSession).where(WebSession.user_id.in_(ids)))
            conn.execute(sa.delete(AuthEvent).where(AuthEvent.user_id.in_(ids)))
            conn.execute(sa.delete(AuthEvent).where(AuthEvent.username == name))
            conn.execute(sa.delete(User).where(User.username == name))


@pytest.mark.parametrize("path", ["/", "/sites/KCN-TANG-LOONG", "/dashboard", "/check"])
def test_browser_words_of_each_page_come_from_the_label_table(
    tab: Watched, live_url: str, known: re.Pattern[str], path: str
):
    page = open_page(tab, live_url + path)
    assert _strays(page, known) == []
    assert tab.errors == []


def test_browser_words_of_a_check_report_and_of_a_refused_file(
    tab: Watched, live_url: str, known: re.Pattern[str], tmp_path: Path
):
    page = open_page(tab, live_url + "/check")
    page.set_input_files("#sr-file", str(PROPOSAL))
    page.click("#sr-upload button[type=submit]")
    expect(page.locator("#sr-report .sr-badge--synthetic").first).to_have_text(SYNTHETIC)
    assert _strays(page, known, data=(PROPOSAL.name,)) == []
    # Metres with no .prj: the API says "pass crs=", the page says what to do in Vietnamese.
    metres = tmp_path / "ranh_gioi.geojson"
    metres.write_text(
        '{"type": "Polygon", "coordinates": [[[430000, 2465000], [431000, 2465000], '
        "[431000, 2466000], [430000, 2465000]]]}",
        encoding="utf-8",
    )
    page.set_input_files("#sr-file", str(metres))
    page.click("#sr-upload button[type=submit]")
    message = page.locator(".sr-error .sr-problem-message")
    expect(message).to_have_text(texts("vi")["problem.unknown-crs"])
    expect(page.locator(".sr-error .sr-problem-detail").first).to_contain_text("crs=")
    assert _strays(page, known, data=(metres.name,)) == []


def test_browser_words_of_a_sites_history(tab: Watched, live_url: str, known: re.Pattern[str]):
    page = open_page(tab, live_url + "/sites/KCN-TANG-LOONG")
    page.click("#sr-tab-history-button")
    expect(page.locator("#sr-history .sr-history")).to_be_visible()
    assert _strays(page, known) == []


def _signed_in(tab: Watched, live_url: str, username: str, path: str) -> Page:
    page = tab.page
    page.goto(f"{live_url}/sign-in?next={path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_url + path)
    return open_page(tab, live_url + path)


@pytest.mark.parametrize("path", ["/drafts", "/import"])
def test_browser_words_of_the_signed_in_pages(
    tab: Watched, live_url: str, known: re.Pattern[str], approver: str, path: str
):
    page = _signed_in(tab, live_url, approver, path)
    assert _strays(page, known) == []


def test_browser_words_of_a_refused_import(
    tab: Watched, live_url: str, known: re.Pattern[str], approver: str, tmp_path: Path
):
    page = _signed_in(tab, live_url, approver, "/import")
    note = tmp_path / "ghi_chu.txt"
    note.write_text("không phải dữ liệu không gian", encoding="utf-8")
    page.set_input_files("#sr-import-form input[name=file]", str(note))
    page.fill("#sr-import-form input[name=dataset]", f"TEST-WORDS-{secrets.token_hex(3)}")
    page.click("#sr-import-form button[type=submit]")
    expect(page.locator("#sr-import-job .sr-error")).to_be_visible(timeout=30_000)
    expect(page.locator("#sr-import-job .sr-problem-detail").first).to_be_visible()
    assert _strays(page, known, data=(note.name,)) == []


def test_browser_synthetic_data_is_worded_in_full_wherever_it_is_shown(tab: Watched, live_url: str):
    for path in ("/", "/sites/KCN-TANG-LOONG", "/dashboard"):
        page = open_page(tab, live_url + path)
        badges = page.locator(".sr-badge--synthetic")
        expect(badges.first).to_be_visible()
        assert set(badges.all_inner_texts()) == {SYNTHETIC}
        # Every other mention of synthetic data on screen carries the full wording too.
        body = page.locator("body").inner_text()
        short = re.findall(r"[^\n]*mô phỏng[^\n]*", body)
        assert [line for line in short if SYNTHETIC not in line] == []
