"""Debian's headless Chromium driven by Playwright, against ``live_url`` (tests/conftest.py).

Chromium comes from the Debian package (`scripts/install-system-deps.sh`); Playwright only
drives it (`playwright install` is never needed). Screenshots go to `test-artifacts/map/`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import pytest
from browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Watched
from playwright.sync_api import BrowserContext, ConsoleMessage, Request, sync_playwright


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
