"""How fast a server whose database is down answers 503 (issue 18), per kind of request.

One sitereg uvicorn worker, as shipped, with ``DATABASE_URL`` at a port of 127.0.0.1 where
nothing listens: what a stopped PostgreSQL looks like to the server (refused connections). No
database is stopped, so the shared cluster is never touched. Each kind of request is sent
``--requests`` times, one at a time; the script prints the statuses and the median and worst
latency. The API answers problem+json with ``Retry-After``, the pages an HTML page.

The ORM engine learns at once that the server refuses; the asyncio pools (items, tiles, proposal
checks) wait for a connection up to ``SITEREG_POOL__WAIT_S`` (``--wait-s``, default as shipped).

Usage::

    .venv/bin/python bench/database_down.py [--requests 20] [--wait-s 5]
"""

from __future__ import annotations

import argparse
import json
import socket
import time
from collections import Counter
from pathlib import Path
from statistics import median

import httpx
from interop import serve, sitereg_server

PORT = 8831
CHECK = Path(__file__).parents[1] / "tests" / "fixtures" / "map" / "proposal_tang_loong.geojson"
REQUESTS = {
    "sites list (ORM)": ("GET", "/api/v1/sites"),
    "site page (HTML)": ("GET", "/sites/KCN-TANG-LOONG"),
    "dashboard (HTML)": ("GET", "/dashboard"),
    "OGC items (read pool)": ("GET", "/ogc/collections/sites/items?limit=10"),
    "tile (tile pool)": ("GET", "/ogc/collections/forest/tiles/WebMercatorQuad/12/3232/1780"),
    "proposal check (check pool)": ("POST", "/api/v1/analysis/check"),
    "healthz": ("GET", "/healthz"),
}


def free_port() -> int:
    """Return a port of 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(client: httpx.Client, method: str, path: str, count: int) -> dict[str, object]:
    """Send one request ``count`` times; return the statuses and latencies (ms)."""
    body = CHECK.read_bytes() if method == "POST" else None
    headers = {"Content-Type": "application/geo+json"} if body else {}
    statuses: Counter[str] = Counter()
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        try:
            response = client.request(method, path, content=body, headers=headers)
        except httpx.HTTPError as error:  # a server that drops the connection: a figure too
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[type(error).__name__] += 1
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        kind = response.headers.get("content-type", "").split(";")[0]
        retry = "Retry-After" if "retry-after" in response.headers else "no Retry-After"
        statuses[f"{response.status_code} {kind} {retry}"] += 1
    return {"statuses": dict(statuses), "p50_ms": median(latencies), "max_ms": max(latencies)}


def main() -> None:
    """Serve with an unreachable database and print how fast each kind of request fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--wait-s", type=float, default=None, help="SITEREG_POOL__WAIT_S")
    args = parser.parse_args()
    url = f"postgresql+psycopg://sitereg_app@127.0.0.1:{free_port()}/sitereg"
    extra = {} if args.wait_s is None else {"SITEREG_POOL__WAIT_S": str(args.wait_s)}
    command, env = sitereg_server(url, PORT, extra_env=extra)
    with serve(command, env, PORT), httpx.Client(base_url=f"http://127.0.0.1:{PORT}") as client:
        client.timeout = 60.0
        print(f"database URL: {url} (nothing listens); requests per kind: {args.requests}")
        for name, (method, path) in REQUESTS.items():
            figures = measure(client, method, path, args.requests)
            print(f"{name:30} p50 {figures['p50_ms']:8.1f} ms   max {figures['max_ms']:8.1f} ms"
                  f"   {json.dumps(figures['statuses'])}")  # fmt: skip


if __name__ == "__main__":
    main()
