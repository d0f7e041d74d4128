"""A throwaway embedded cluster on a free port, removed afterwards (never the shared one)."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from app.settings import PROJECT_ROOT, ClusterSettings
from devcluster.cluster import EmbeddedCluster, _free_port


@contextmanager
def scratch_cluster() -> Iterator[EmbeddedCluster]:
    """Yield a new, started cluster; stop and delete it at the end."""
    # Under the checkout, not /tmp/pytest-of-root (mode 0700): the postgres account must reach it.
    root = PROJECT_ROOT / ".data" / "test-clusters" / secrets.token_hex(4)
    cluster = EmbeddedCluster(ClusterSettings(data_dir=root, port=_free_port()))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
