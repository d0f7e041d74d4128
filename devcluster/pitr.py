"""Point-in-time recovery of the embedded cluster: base backups plus the WAL archive.

A new cluster archives every finished WAL segment to ``.data/wal-archive``
(``cluster.archive_settings``). ``base_backup`` copies the running cluster with pg_basebackup
into ``.data/base-backups/<UTC time>``. ``recover`` replaces the stopped cluster's data folder
with a copy of the newest base backup taken before the target time, adds the WAL segments that
were not archived yet, and starts PostgreSQL in recovery: it replays the archive up to the target
time, then promotes itself and runs as usual. The replaced folder is kept beside it
(``pg.replaced-<UTC time>``), so a wrong target time loses nothing.
"""

from __future__ import annotations

import re
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from devcluster.cluster import (
    SUPERUSER,
    ClusterError,
    EmbeddedCluster,
    archive_settings,
    find_binaries,
)

SEGMENT = re.compile(r"^[0-9A-F]{24}(\.partial)?$")
RECOVERY_MARK = "# sitereg point-in-time recovery"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def archiving_enabled(cluster: EmbeddedCluster) -> bool:
    """Tell whether the cluster's configuration turns WAL archiving on."""
    conf = cluster.pgdata / "postgresql.conf"
    auto = cluster.pgdata / "postgresql.auto.conf"
    text = "".join(p.read_text() for p in (conf, auto) if p.exists())
    return "archive_mode = on" in text or "archive_mode = 'on'" in text


def enable_archiving(cluster: EmbeddedCluster) -> None:
    """Add the archive settings to an existing cluster; they take effect at its next start."""
    if archiving_enabled(cluster):
        return
    with (cluster.pgdata / "postgresql.conf").open("a", encoding="utf-8") as handle:
        handle.write("\n# sitereg WAL archive\n" + archive_settings(cluster.wal_archive))


def base_backup(cluster: EmbeddedCluster) -> Path:
    """Copy the running cluster into a new folder under ``base-backups`` and return it.

    Raises:
        ClusterError: when the cluster does not run or does not archive WAL.
    """
    if not cluster.status().running:
        raise ClusterError("the embedded cluster is not running: sitereg db start")
    if not archiving_enabled(cluster):
        raise ClusterError(
            "WAL archiving is off in this cluster: sitereg db enable-archiving, then restart it "
            "(sitereg db stop && sitereg db start)"
        )
    cluster._prepare_dirs()
    target = cluster.base_backups / _stamp()
    result = cluster._run(
        [find_binaries().tool("pg_basebackup"), "-D", str(target), "-X", "stream",
         "-c", "fast", "-h", str(cluster.socket_dir), "-p", str(cluster.port()),
         "-U", SUPERUSER],
        check=False,
    )  # fmt: skip
    if result.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise ClusterError(f"pg_basebackup failed: {result.stderr.strip()}")
    return target


def _label(folder: Path, key: str) -> str:
    """Return one value of a base backup's ``backup_label`` (``START TIME``, …)."""
    for line in (folder / "backup_label").read_text().splitlines():
        if line.startswith(f"{key}: "):
            return line.split(": ", 1)[1]
    raise ClusterError(f"{folder} has no backup_label {key}: not a base backup")


def prune(cluster: EmbeddedCluster, keep: int) -> list[Path]:
    """Keep the newest ``keep`` base backups and the WAL they need; return what was removed.

    The archive keeps every segment from the start of the oldest kept base backup on
    (``pg_archivecleanup``), so each kept backup can still be recovered to any later time.
    """
    if keep < 1:
        raise ClusterError("keep at least one base backup")
    folders = sorted(
        (p for p in cluster.base_backups.glob("*") if (p / "backup_label").exists()),
        key=backup_start,
    )
    removed = folders[:-keep]
    for folder in removed:
        shutil.rmtree(folder)
    kept = folders[-keep:]
    if kept:
        # "0/2000028 (file 000000010000000000000002)": the segment the oldest kept one needs.
        first = _label(kept[0], "START WAL LOCATION").split("file ")[-1].rstrip(")")
        tool = find_binaries().tool("pg_archivecleanup")
        cluster._run([tool, str(cluster.wal_archive), first])
    return removed


def backup_start(folder: Path) -> datetime:
    """Return when a base backup started (the START TIME line of its ``backup_label``)."""
    started = _label(folder, "START TIME")
    return datetime.strptime(started, "%Y-%m-%d %H:%M:%S %Z").replace(tzinfo=UTC)


def choose_base(cluster: EmbeddedCluster, target: datetime) -> Path:
    """Return the newest base backup that started before ``target``.

    Raises:
        ClusterError: when there is none.
    """
    folders = [p for p in cluster.base_backups.glob("*") if (p / "backup_label").exists()]
    earlier = [p for p in folders if backup_start(p) < target]
    if not earlier:
        raise ClusterError(
            f"no base backup under {cluster.base_backups} started before {target.isoformat()}: "
            "point-in-time recovery starts from one (sitereg db base-backup)"
        )
    return max(earlier, key=backup_start)


def _copy_unarchived_wal(old_wal: Path, new_wal: Path, archive: Path) -> int:
    """Copy the segments of the replaced cluster that the archive lacks; return how many."""
    copied = 0
    for segment in sorted(old_wal.glob("*")):
        if SEGMENT.match(segment.name) and not (archive / segment.name).exists():
            shutil.copy2(segment, new_wal / segment.name)
            copied += 1
    return copied


def _recovery_config(cluster: EmbeddedCluster, target: datetime) -> str:
    return (
        f"\n{RECOVERY_MARK}\n"
        f"restore_command = 'cp \"{cluster.wal_archive}/%f\" %p'\n"
        f"recovery_target_time = '{target.isoformat()}'\n"
        "recovery_target_action = 'promote'\n"
    )


def recover(cluster: EmbeddedCluster, target: datetime, base: Path | None = None) -> Path:
    """Recover the stopped cluster to ``target`` (aware time); return the replaced data folder.

    Raises:
        ClusterError: when the cluster runs, no base backup fits, or the recovery fails.
    """
    if target.tzinfo is None:
        raise ClusterError("give the target time with its zone, e.g. 2026-12-07T15:04:05+07:00")
    if cluster.status().running:
        raise ClusterError("stop the embedded cluster first: sitereg db stop")
    base = base or choose_base(cluster, target)
    replaced = cluster.pgdata.with_name(f"pg.replaced-{_stamp()}")
    cluster.pgdata.rename(replaced)
    shutil.copytree(base, cluster.pgdata, symlinks=True)
    _copy_unarchived_wal(replaced / "pg_wal", cluster.pgdata / "pg_wal", cluster.wal_archive)
    (cluster.pgdata / "recovery.signal").touch()
    with (cluster.pgdata / "postgresql.auto.conf").open("a", encoding="utf-8") as handle:
        handle.write(_recovery_config(cluster, target))
    (cluster.pgdata / "postmaster.pid").unlink(missing_ok=True)
    _chown_to_service(cluster)
    try:
        cluster.start()
        _wait_promoted(cluster)
    except ClusterError as exc:
        raise ClusterError(
            f"{exc}\nThe data folder before the recovery is {replaced}: to go back, run "
            f"sitereg db stop, then replace {cluster.pgdata} with it"
        ) from exc
    _drop_recovery_config(cluster)
    # The base backup may predate the current passwords (or this sitereg's authentication).
    cluster.secure()
    return replaced


def _wait_promoted(cluster: EmbeddedCluster, timeout_s: float = 120.0) -> None:
    """Wait until the server has replayed up to the target and left recovery.

    The server accepts read-only connections while it replays (hot standby), so a started
    server is not yet a recovered one.
    """
    import psycopg

    conninfo = cluster.url("postgres").replace("postgresql+psycopg://", "postgresql://")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row is not None and not row[0]:
                    return
        except psycopg.OperationalError:
            if not cluster.status().running:
                break
        time.sleep(0.2)
    tail = cluster.logfile.read_text(errors="replace")[-1500:] if cluster.logfile.exists() else ""
    raise ClusterError(f"the recovery did not finish:\n{tail}")


def _chown_to_service(cluster: EmbeddedCluster) -> None:
    """Give the copied data folder to the service account (when we run as root)."""
    if not cluster._as_service_account():
        return
    import pwd

    from devcluster.cluster import SERVICE_ACCOUNT

    account = pwd.getpwnam(SERVICE_ACCOUNT)
    for path in [cluster.pgdata, *cluster.pgdata.rglob("*")]:
        shutil.chown(path, account.pw_uid, account.pw_gid)
    cluster.pgdata.chmod(0o700)


def _drop_recovery_config(cluster: EmbeddedCluster) -> None:
    """Remove the recovery lines once promoted, so a later restart is an ordinary one."""
    auto = cluster.pgdata / "postgresql.auto.conf"
    text = auto.read_text()
    if RECOVERY_MARK in text:
        auto.write_text(text.split(f"\n{RECOVERY_MARK}\n", 1)[0] + "\n")
