"""The import page in headless Chromium: an approver uploads an agency's file and follows it."""

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser import Watched, open_page
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.map.i18n import TEXTS
from app.models import Import, ImportJob
from app.models.enums import Role
from app.models.identity import AuthEvent, User, WebSession
from app.services import identity
from tests.app.services.test_importer import _lot, inventory_zip

PASSWORD = "mật khẩu đủ dài 2026"


@pytest.fixture
def approver(engine: sa.Engine, owner_database_url: str) -> Iterator[str]:
    """An approver of Lào Cai's Department of Agriculture and Environment (keeps forest).

    Removed afterwards with the sign-in it left and its import jobs (as the owner: the server's
    role may not delete identity events).
    """
    name = f"kiem_lam_{secrets.token_hex(3)}"
    with Session(engine) as session:
        identity.create_user(
            session, name, password=PASSWORD, role=Role.APPROVER, agency_code="LC-SNNMT"
        )
    yield name
    owner = make_engine(owner_database_url)
    with owner.begin() as conn:
        ids = sa.select(User.id).where(User.username == name).scalar_subquery()
        conn.execute(sa.delete(ImportJob).where(ImportJob.user_id.in_(ids)))
        conn.execute(sa.delete(Import).where(Import.actor_id.in_(ids)))
        conn.execute(sa.delete(WebSession).where(WebSession.user_id.in_(ids)))
        conn.execute(sa.delete(AuthEvent).where(AuthEvent.user_id.in_(ids)))
        conn.execute(sa.delete(AuthEvent).where(AuthEvent.username == name))
        conn.execute(sa.delete(User).where(User.username == name))
    owner.dispose()


def test_browser_import_dry_run_shows_progress_counts_and_the_report(
    tab: Watched, live_url: str, approver: str, tmp_path: Path
):
    upload = inventory_zip(
        tmp_path / "kiemke.zip", [_lot(1, xa="Bản Xèo"), _lot(2), _lot(3, nggocr=3, ldlr="DT2")]
    )
    page = tab.page
    page.goto(f"{live_url}/sign-in?next=/import")
    page.fill("#username", approver)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_url + "/import")
    page = open_page(tab, live_url + "/import")
    page.set_input_files("#sr-import-form input[name=file]", str(upload))
    page.fill("#sr-import-form input[name=dataset]", f"TEST-PAGE-{secrets.token_hex(3)}")
    page.click("#sr-import-form button[type=submit]")
    page.wait_for_selector("#sr-import-job a[href$='/report.csv']", timeout=60_000)
    shown = page.locator("#sr-import-job").inner_text()
    assert TEXTS["import.dry_run"].vi in shown
    assert "tcvn3" in shown and "EPSG:9208" in shown
    assert TEXTS["import.status.skipped"].vi in shown
    rows = page.locator("#sr-import-job table").first.inner_text()
    assert "2" in rows and "1" in rows
