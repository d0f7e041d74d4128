"""Time until the registry map (``/``) is interactive in headless Chromium (prints, never asserts).

With the synthetic 200 000-polygon forest layer (database ``sitereg_bench``, made by
``bench/synthetic_layers.py``) when it exists, else the demo database. The app runs in uvicorn on
a free 127.0.0.1 port; Debian's Chromium (``/usr/bin/chromium``) is driven by Playwright.

For each load it reports, in milliseconds from navigation start:

- ``dom``: DOMContentLoaded (the Folium script ran: the map, its controls and handlers exist);
- ``interactive``: sitereg marked the page ready (every GeoJSON layer drawn, search wired);
- ``tiles``: the last forest vector tile of the first view arrived (network idle after);
- ``fcp``: Chromium's first contentful paint.

The first load has an empty browser cache (cold); the next ones reuse it (warm: Leaflet and the
tiles come from the cache, as for a planner who opened the map before).

Usage::

    .venv/bin/python bench/map_interactive.py            # sitereg_bench if present, 5 loads
    .venv/bin/python bench/map_interactive.py --database sitereg --loads 10
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from bench_db import BENCH_PREFIX, database_exists, database_url, ensure_cluster_running
from playwright.sync_api import BrowserContext, sync_playwright

from app.main import create_app
from app.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}
# Records when sitereg sets data-sr-ready, without touching the page's own code.
READY_PROBE = """
new MutationObserver(function () {
  if (!window.__srReadyMs && document.documentElement.getAttribute("data-sr-ready")) {
    window.__srReadyMs = performance.now();
  }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-sr-ready"] });
"""
FIGURES_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  const tiles = performance.getEntriesByType("resource")
    .filter((entry) => entry.name.includes("/collections/forest/tiles/"));
  return {
    dom: nav.domContentLoadedEventEnd,
    interactive: window.__srReadyMs,
    tiles: tiles.length ? Math.max(...tiles.map((entry) => entry.responseEnd)) : null,
    fcp: fcp ? fcp.startTime : null,
    tile_count: tiles.length,
  };
}"""


@dataclass(frozen=True)
class Load:
    """Figures of one page load (milliseconds from navigation start)."""

    dom: float
    interactive: float
    tiles: float | None
    fcp: float | None
    tile_count: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(url: str) -> Iterator[str]:
    """Run the app on ``url``'s database in uvicorn (one worker, as ``sitereg serve``)."""
    port = _free_port()
    app = create_app(Settings(database_url=url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def load_once(context: BrowserContext, base: str) -> Load:
    """Open ``/`` in a new tab and return its timings."""
    page = context.new_page()
    try:
        page.goto(base + "/")
        page.wait_for_selector("html[data-sr-ready=true]", state="attached", timeout=60_000)
        page.wait_for_load_state("networkidle")
        figures = page.evaluate(FIGURES_JS)
    finally:
        page.close()
    return Load(**figures)


def _fmt(value: float | None) -> str:
    return "   —" if value is None else f"{value:6.0f}"


def report(loads: list[Load]) -> None:
    """Print every load, then the warm medians."""
    print(f"{'load':>6} {'dom':>6} {'interactive':>11} {'tiles':>6} {'fcp':>6}  forest tiles")
    for index, load in enumerate(loads):
        name = "cold" if index == 0 else f"warm{index}"
        print(
            f"{name:>6} {_fmt(load.dom)} {_fmt(load.interactive):>11} {_fmt(load.tiles)} "
            f"{_fmt(load.fcp)}  {load.tile_count}"
        )
    warm = loads[1:] or loads
    median = statistics.median(load.interactive for load in warm)
    tiles = [load.tiles for load in warm if load.tiles is not None]
    print(f"interactive, median of warm loads: {median:.0f} ms (issue target: < 3000 ms)")
    if tiles:
        print(f"forest tiles complete, median of warm loads: {statistics.median(tiles):.0f} ms")


def main() -> None:
    """Parse the options, serve the app, load ``/`` several times and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help=f"database to serve (default {BENCH_PREFIX})")
    parser.add_argument("--loads", type=int, default=5, help="page loads (first one cold)")
    args = parser.parse_args()
    ensure_cluster_running()
    database = args.database or (
        BENCH_PREFIX if database_exists(BENCH_PREFIX) else Settings().cluster.database
    )
    with (
        serve(database_url(database)) as base,
        tempfile.TemporaryDirectory() as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT
        )
        context.add_init_script(READY_PROBE)
        html_bytes = len(context.request.get(base + "/").body())
        loads = [load_once(context, base) for _ in range(args.loads)]
        context.close()
    print(f"database {database}; HTML of / = {html_bytes / 1024:.1f} KiB; viewport 1440×900")
    report(loads)


if __name__ == "__main__":
    main()
