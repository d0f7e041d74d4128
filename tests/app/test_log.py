import logging

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient

from app.errors import register_error_handlers
from app.log import PlainFormatter, escape_control, install_request_logging
from app.schemas.problem import ProblemDetail


def _app() -> FastAPI:
    app = FastAPI()
    register_error_handlers(app)
    install_request_logging(app)

    @app.get("/ok")
    def ok(request: Request) -> dict[str, str]:
        return {"request_id": request.state.request_id}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    @app.get("/stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(iter([b"a", b"b", b"c"]), media_type="text/plain")

    return app


def test_request_logging_echoes_the_given_request_id():
    response = TestClient(_app()).get("/ok", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert response.json() == {"request_id": "abc-123"}


def test_request_logging_makes_an_id_when_none_is_sent():
    response = TestClient(_app()).get("/ok")
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 16
    assert response.json() == {"request_id": request_id}


def test_request_logging_writes_one_info_line_per_request(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="sitereg.request")
    TestClient(_app()).get("/ok", headers={"X-Request-ID": "rid-1"})
    lines = [record for record in caplog.records if record.name == "sitereg.request"]
    assert len(lines) == 1
    assert lines[0].levelno == logging.INFO
    assert lines[0].getMessage().startswith("GET /ok 200 ")
    assert lines[0].getMessage().endswith("ms rid=rid-1")


def test_request_logging_puts_the_id_in_problems_of_4xx(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="sitereg.request")
    response = TestClient(_app()).get("/missing", headers={"X-Request-ID": "rid-404"})
    assert response.status_code == 404
    assert ProblemDetail.model_validate(response.json()).request_id == "rid-404"
    assert response.headers["x-request-id"] == "rid-404"
    assert [record.levelno for record in caplog.records if record.name == "sitereg.request"] == [
        logging.INFO
    ]


def test_request_logging_logs_5xx_at_error_without_leaking(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="sitereg.request")
    client = TestClient(_app(), raise_server_exceptions=False)
    response = client.get("/boom", headers={"X-Request-ID": "rid-500"})
    assert response.status_code == 500
    problem = ProblemDetail.model_validate(response.json())
    assert problem.request_id == "rid-500"
    assert "secret" not in response.text
    lines = [record for record in caplog.records if record.name == "sitereg.request"]
    assert [(record.levelno, record.getMessage()[:14]) for record in lines] == [
        (logging.ERROR, "GET /boom 500 ")
    ]


def test_request_logging_passes_streams_through():
    response = TestClient(_app()).get("/stream")
    assert response.content == b"abc"
    assert "x-request-id" in response.headers


@pytest.fixture
def restored_logging():
    root = logging.getLogger()
    flags = ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")
    saved = {flag: getattr(logging, flag) for flag in flags}
    handlers, level = root.handlers[:], root.level
    yield
    for flag, value in saved.items():
        setattr(logging, flag, value)
    root.handlers[:] = handlers
    root.setLevel(level)


def test_configured_logging_skips_caller_information_and_keeps_the_line(restored_logging):
    from app.log import configure_logging

    configure_logging("INFO")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger().addHandler(handler)
    logging.getLogger("sitereg.request").info("POST %s %s", "/api/v1/analysis/check", 200)
    (record,) = records
    assert record.getMessage() == "POST /api/v1/analysis/check 200"
    assert (record.lineno, record.thread) == (0, None)  # nothing collected that no format prints
    formatted = logging.getLogger().handlers[0].format(record)
    assert formatted.endswith("INFO sitereg.request: POST /api/v1/analysis/check 200")


def test_plain_log_lines_escape_control_characters_of_a_crafted_path():
    formatter = PlainFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord(
        "sitereg.request", logging.INFO, __file__, 1, "%s %s", ("GET", "/a\nERROR forged"), None
    )
    line = formatter.format(record)
    assert "\n" not in line
    assert line == "INFO GET /a\\x0aERROR forged"
    assert escape_control("/sites/KCN-TẰNG-LOỎNG") == "/sites/KCN-TẰNG-LOỎNG"


def test_request_logging_escapes_a_crafted_path(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO, logger="sitereg.request"):
        TestClient(_app()).get("/ok%0A2026-01-01 ERROR forged line")
    line = PlainFormatter("%(message)s").format(caplog.records[-1])
    assert "\n" not in line and "\\x0a" in line


def test_request_logging_replaces_a_request_id_that_is_not_a_plain_token():
    response = TestClient(_app()).get("/ok", headers={"X-Request-ID": "a b\tc"})
    assert response.headers["x-request-id"] != "a b\tc"
    assert len(response.headers["x-request-id"]) == 16
