"""The OGC API root of the live test server, for the tests that drive real clients."""

import pytest


@pytest.fixture(scope="session")
def server_url(live_url: str) -> str:
    """The OGC API landing page of ``live_url`` (tests/conftest.py)."""
    return f"{live_url}/ogc"
