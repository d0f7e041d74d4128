"""`make fuzz`: schemathesis over both OpenAPI documents against a server of its own.

A fresh ``sitereg_fuzz_<random>`` database is created on the test server (the embedded cluster
unless ``DATABASE_URL`` is set), migrated and loaded with the demo layers, exactly as the test
suite does (tests/conftest.py); uvicorn serves it on a free 127.0.0.1 port as the server's role.
``st run`` then runs every phase (examples, coverage, fuzzing, stateful) with every check over
``/openapi.json`` and over the OGC API's ``/ogc/api``, each within a time budget, but for the
documented allow-list of ``scripts/fuzz.toml``. The database is dropped at the end. Exit 1 when
schemathesis found anything (or the server did not start).

    .venv/bin/python scripts/fuzz.py [--max-examples 20] [--seed 20261207|random] [--max-time S]

By default the run is reproducible, as CI needs (``.ci/run`` calls ``make fuzz``): a fixed seed,
a fixed number of cases per operation and no time budget (a budget would make fuzzing repeat
until it is spent, so a faster machine would try other cases). ``--seed random --max-time 300``
explores.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.cli import upgrade_database
from app.db.engine import make_engine
from app.services.demo_loader import load_demo
from app.settings import PROJECT_ROOT, Settings
from devcluster.cluster import (
    APP_ROLE,
    EmbeddedCluster,
    create_database,
    drop_database,
    role_exists,
)

CONFIG = Path(__file__).with_name("fuzz.toml")
DOCUMENTS = ("/openapi.json", "/ogc/api")
PHASES = "examples,coverage,fuzzing,stateful"


def admin_url() -> str:
    """Return the maintenance database's URL on the server the tests use."""
    settings = Settings()
    if settings.database_url:
        url = make_url(settings.database_url).set(database="postgres")
        return url.render_as_string(hide_password=False)
    cluster = EmbeddedCluster(settings.cluster)
    cluster.start()
    return cluster.url("postgres")


@contextmanager
def fuzz_database() -> Iterator[str]:
    """Yield the URL the server uses on a fresh migrated demo database; drop it afterwards."""
    admin = admin_url()
    name = f"sitereg_fuzz_{secrets.token_hex(4)}"
    create_database(admin, name)
    try:
        owner = make_url(admin).set(database=name)
        upgrade_database(owner.render_as_string(hide_password=False))
        engine = make_engine(owner.render_as_string(hide_password=False))
        with Session(engine) as session:
            load_demo(session, PROJECT_ROOT / "data" / "geojson")
        engine.dispose()
        if owner.password is None and role_exists(admin, APP_ROLE):
            owner = owner.set(username=APP_ROLE)
        yield owner.render_as_string(hide_password=False)
    finally:
        drop_database(admin, name)


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(database_url: str) -> Iterator[str]:
    """Run uvicorn on ``database_url`` on a free port; yield its base URL."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT)}
    env["SITEREG_LOG_LEVEL"] = "WARNING"  # the fuzzer sends thousands of requests
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.main:factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(base + "/healthz"):
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("fuzz: the server did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


CI_SEED = 20261207
"""The default seed: CI runs the same cases each time; explore with ``--seed random``."""


def run_schemathesis(
    document_url: str, *, max_time_s: int | None, max_examples: int, seed: int | None
) -> int:
    """Run ``st run`` on one document with every phase and check; return its exit code."""
    st = Path(sys.executable).with_name("st")
    command = [str(st), "--config-file", str(CONFIG), "run", document_url]
    # No --checks: named there, a check would override the allow-list's `enabled = false`.
    command += ["--phases", PHASES]
    command += [] if max_time_s is None else ["--max-time", str(max_time_s)]
    command += ["--max-examples", str(max_examples), "--workers", "1", "--no-color"]
    command += ["--generation-database", "none", "--request-timeout", "30"]
    command += [] if seed is None else ["--seed", str(seed)]
    print(f"fuzz: {' '.join(command[1:])}", flush=True)  # noqa: T201 (a command's own output)
    return subprocess.run(command, check=False).returncode


def main() -> int:
    """Create the database, start the server, fuzz both documents; 1 when anything failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--max-time", type=int, default=None, help="seconds per document (default: no budget)"
    )
    parser.add_argument("--max-examples", type=int, default=20, help="cases per operation")
    parser.add_argument(
        "--seed",
        default=str(CI_SEED),
        help=f"random seed ({CI_SEED}: the same cases every run, as CI needs; 'random' explores)",
    )
    args = parser.parse_args()
    seed = None if args.seed == "random" else int(args.seed)
    started = time.monotonic()
    with fuzz_database() as database_url, server(database_url) as base:
        codes = [
            run_schemathesis(
                base + document,
                max_time_s=args.max_time,
                max_examples=args.max_examples,
                seed=seed,
            )
            for document in DOCUMENTS
        ]
    took = time.monotonic() - started
    print(f"fuzz: exit codes {codes} in {took:.0f} s")  # noqa: T201 (a command's own output)
    return 0 if not any(codes) else 1


if __name__ == "__main__":
    sys.exit(main())
