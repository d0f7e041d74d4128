"""Browser-test helpers: Debian's Chromium settings and a tab that records errors and requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page

from app.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "map"
READY = "html[data-sr-ready=true]"


@dataclass
class Watched:
    """A browser tab with what it logged and requested."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def outside(self, base: str) -> list[str]:
        """Return the requests that left the app's own server."""
        local = (base + "/", "data:", "blob:")
        return [url for url in self.requests if not url.startswith(local)]

    def screenshot(self, name: str) -> Path:
        """Save a screenshot of the whole page under test-artifacts/map/."""
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=path, full_page=True)
        return path


def open_page(tab: Watched, url: str) -> Page:
    """Open ``url`` and wait until its layers are loaded and the network is quiet."""
    tab.page.goto(url)
    tab.page.wait_for_selector(READY, state="attached", timeout=30_000)
    tab.page.wait_for_load_state("networkidle")
    return tab.page
