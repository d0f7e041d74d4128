"""A real uvicorn serving the test database, and Debian's headless Chromium driven by Playwright.

Chromium comes from the Debian package (`scripts/install-system-deps.sh`); Playwright only
drives it (`playwright install` is never needed). Screenshots go to `test-artifacts/map/`.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Watched
from playwright.sync_api import BrowserContext, ConsoleMessage, Request, sync_playwright

from app.main import create_app
from app.settings import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_url(database_url: str) -> Iterator[str]:
    """Serve the app on the test database with uvicorn on a free 127.0.0.1 port."""
    port = _free_port()
    app = create_app(Settings(database_url=database_url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start for the browser tests")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[BrowserContext]:
    """Debian's Chromium, headless, with a throw-away profile."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `bash scripts/install-system-deps.sh` as root")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1440, "height": 900},
            locale="vi-VN",
        )
        yield context
        context.close()


@pytest.fixture
def tab(browser: BrowserContext) -> Iterator[Watched]:
    """A new tab whose console errors, page errors and requests are recorded."""
    page = browser.new_page()
    watched = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.errors.append(f"console: {message.text} @ {message.location.get('url')}")

    def on_request(request: Request) -> None:
        watched.requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.errors.append(f"page error: {error}"))
    page.on("request", on_request)
    yield watched
    page.close()
