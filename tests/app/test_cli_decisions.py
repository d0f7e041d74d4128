"""`sitereg decision add` and `sitereg decision find` on a database of their own."""

from collections.abc import Callable, Iterator

import pytest
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.cli import upgrade_database
from app.settings import get_settings

PDF_BYTES = b"%PDF-1.4\n\x00\xff\n%%EOF\n"


@pytest.fixture(scope="module")
def empty_url(make_database: Callable[[], str]) -> str:
    url = make_database()
    upgrade_database(url)
    return url


@pytest.fixture
def runner(empty_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DATABASE_URL", empty_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_decision_add_then_find(runner: CliRunner, tmp_path):
    document = tmp_path / "qđ 2001.pdf"
    document.write_bytes(PDF_BYTES)
    added = runner.invoke(
        cli_app,
        ["decision", "add", "--number", "2001/QĐ-UBND", "--date", "2026-04-01",
         "--issuer", "UBND tỉnh Lai Châu", "--subject", "Thành lập CCN Thử",
         "--document", str(document)],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "application/pdf" in added.output and f"{len(PDF_BYTES)} bytes" in added.output
    found = runner.invoke(cli_app, ["decision", "find", "2001 qd ubnd"])
    assert found.exit_code == 0, found.output
    assert found.output.split("\t")[1:4] == ["2001/QĐ-UBND", "2026-04-01", "UBND tỉnh Lai Châu"]


def test_cli_decision_add_refuses_a_text_document_in_one_line(runner: CliRunner, tmp_path):
    document = tmp_path / "qd.txt"
    document.write_text("Quyết định", encoding="utf-8")
    result = runner.invoke(
        cli_app,
        ["decision", "add", "--number", "2002/QĐ-UBND", "--issuer", "UBND tỉnh Lai Châu",
         "--document", str(document)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.strip() == "error: qd.txt: not a PDF, DOCX, PNG, JPEG or TIFF file"
    assert runner.invoke(cli_app, ["decision", "find", "2002"]).exit_code == 1


def test_cli_decision_add_twice_is_a_conflict(runner: CliRunner):
    args = ["decision", "add", "--number", "2003/QĐ-UBND", "--issuer", "UBND tỉnh Lào Cai"]
    assert runner.invoke(cli_app, args).exit_code == 0
    again = runner.invoke(cli_app, [*args[:3], "2003/QD-UBND", *args[4:]])
    assert again.exit_code == 1 and "already exists" in again.output
