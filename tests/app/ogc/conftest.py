"""A real uvicorn server for the tests that drive real OGC API clients (GDAL, OWSLib).

The server runs in a thread on a free 127.0.0.1 port with its own engine on the test database,
so it sees the committed demo data (per-test changes of other tests are rolled back).
"""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from app.main import create_app
from app.settings import Settings

START_WAIT_S = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def server_url(database_url: str) -> Iterator[str]:
    """Serve ``create_app`` on a free port for the test session; stop it afterwards."""
    port = _free_port()
    app = create_app(Settings(database_url=database_url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(int(START_WAIT_S / 0.05)):  # bounded wait for the socket to listen
        if server.started or not thread.is_alive():
            break
        time.sleep(0.05)
    if not server.started:
        pytest.fail("the test server did not start")
    yield f"http://127.0.0.1:{port}/ogc"
    server.should_exit = True
    thread.join(START_WAIT_S)
