"""Throwaway clusters: a scratch primary on a free port, and a streaming replica of one.

Used by the tests and by ``bench/replica_lag.py``; never the shared development cluster. Each
lives under ``.data/test-clusters`` (the ``postgres`` account must reach it: not a 0700 temp
folder) and is stopped and deleted when its ``with`` block ends.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from app.settings import PROJECT_ROOT, ClusterSettings
from devcluster.cluster import SUPERUSER, EmbeddedCluster, _free_port, find_binaries


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


@contextmanager
def streaming_replica(primary: EmbeddedCluster) -> Iterator[EmbeddedCluster]:
    """Yield a started hot standby that streams ``primary``'s WAL; stop and delete it at the end.

    The copy is made and run by the same account as the primary (``postgres`` when we are
    root), with the primary's configuration (its pg_hba.conf and pg_ident.conf too: the standby
    streams through the primary's socket by peer authentication, as ``postgres``) but its own
    port and socket folder, and without archiving (a standby with ``archive_mode = on``
    archives nothing anyway).
    """
    root = PROJECT_ROOT / ".data" / "test-clusters" / f"replica-{secrets.token_hex(4)}"
    replica = EmbeddedCluster(ClusterSettings(data_dir=root, port=_free_port()))
    try:
        replica._prepare_dirs()
        copied = replica._run(
            [find_binaries().tool("pg_basebackup"), "-D", str(replica.pgdata), "-R",
             "-X", "stream", "-c", "fast", "-h", str(primary.socket_dir),
             "-p", str(primary.port()), "-U", SUPERUSER],
            check=False,
        )  # fmt: skip
        assert copied.returncode == 0, f"pg_basebackup failed: {copied.stderr}"
        with (replica.pgdata / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                f"port = {replica.settings.port}\n"
                f"unix_socket_directories = '{replica.socket_dir}'\n"
                "archive_mode = off\nhot_standby = on\n"
            )
        # The standby replays its primary's roles, passwords included: its TCP URL needs them.
        shutil.copy2(primary.passwords_file, replica.passwords_file)
        replica.start()
        yield replica
    finally:
        replica.stop()
        shutil.rmtree(root, ignore_errors=True)
