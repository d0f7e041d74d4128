"""The embedded PostgreSQL + PostGIS cluster that sitereg runs when ``DATABASE_URL`` is unset.

The cluster lives under a git-ignored folder of the checkout (``.data/pg`` by default), listens
on 127.0.0.1 and on a unix socket inside that folder, and is run by an unprivileged account when
the caller is root (PostgreSQL refuses to run as root).

Two roles connect to it. Migrations and the demo load run as the superuser ``postgres``, the owner
of the database and its objects (PostGIS is not a trusted extension: only a superuser can create
or drop it, so a lesser owner cannot run the first migration). The server connects as
``APP_ROLE``, which owns nothing and gets only the grants of the privileges migration.

Nothing is trusted (``devcluster/auth.py``). Through the unix socket, which sitereg itself uses,
both roles authenticate by peer: only the OS account that runs sitereg and the server's own
account (``root`` and ``postgres`` when sitereg runs as root) may connect, as either role, and no
password is needed. On 127.0.0.1 both authenticate by scram-sha-256 with random passwords kept in
``<data folder>/passwords.json`` (mode 0600), which ``tcp_url`` puts in its URL. Every start
writes ``pg_hba.conf`` and ``pg_ident.conf`` and sets the passwords, so a cluster that an older
sitereg made with ``initdb --auth=trust`` is converted by its next ``sitereg db start``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import URL

from app.settings import ClusterSettings
from devcluster import auth

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger(__name__)

SERVICE_ACCOUNT = "postgres"
SUPERUSER = "postgres"
APP_ROLE = "sitereg_app"
"""The server's role: no ownership, no superuser, cannot create databases or roles."""
LOGIN_ROLES = (SUPERUSER, APP_ROLE)
"""The only roles that may connect (``pg_hba.conf``), each with a password for TCP."""
AUTH_FILES = ("pg_hba.conf", "pg_ident.conf")

MALLOC_TUNABLES = ":".join(
    (
        "glibc.malloc.mmap_threshold=33554432",
        "glibc.malloc.trim_threshold=67108864",
        "glibc.malloc.top_pad=16777216",
    )
)
"""glibc malloc settings for the server processes (``GLIBC_TUNABLES``).

By default glibc hands blocks over 128 KiB to fresh ``mmap`` calls and gives freed memory at
the top of the heap back to the kernel, so a backend that builds one vector tile after another
faulted in 87 new pages per tile, zeroed by the kernel: 10-12 % of the backend's CPU for z12
forest tiles. With blocks up to 32 MiB taken from the heap, up to 64 MiB of free heap kept and
the heap grown 16 MiB at a time, it faults about one page per tile (bench/README.md). The cost
is memory a backend keeps after a peak: at most 64 MiB of free heap each. A ``GLIBC_TUNABLES``
already in the environment wins.
"""


def archive_settings(archive: Path) -> str:
    """Return the postgresql.conf lines that copy every finished WAL segment to ``archive``.

    With a base backup (``sitereg db base-backup``) these segments recover the cluster to any
    moment after the backup (``sitereg restore --pitr``). ``test ! -f`` keeps an archived segment
    from being overwritten; a failed copy is retried by PostgreSQL, which keeps the segment in
    pg_wal meanwhile. ``archive_timeout`` closes a segment at least every 60 s while anything is
    written, so at most a minute of acknowledged changes is outside the archive (and still in
    pg_wal, which the recovery copies too).
    """
    return (
        "wal_level = replica\n"
        "archive_mode = on\n"
        f'archive_command = \'test ! -f "{archive}/%f" && cp %p "{archive}/%f"\'\n'
        "archive_timeout = 60\n"
    )


class ClusterError(RuntimeError):
    """The embedded cluster cannot be prepared or started; the message says how to fix it."""


@dataclass(frozen=True)
class ClusterStatus:
    """What ``sitereg db status`` reports."""

    initialised: bool
    running: bool
    port: int | None
    data_dir: Path
    pid: int | None


@dataclass(frozen=True)
class Binaries:
    """Paths of the PostgreSQL server programs and the matching major version."""

    bindir: Path
    major: int

    def tool(self, name: str) -> str:
        """Return the full path of one server program."""
        return str(self.bindir / name)


def find_binaries() -> Binaries:
    """Locate the newest installed PostgreSQL server binaries.

    Raises:
        ClusterError: when no server is installed, with the command that installs one.
    """
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        bindir = candidates[-1].parent
        return Binaries(bindir=bindir, major=int(bindir.parent.name))
    initdb = shutil.which("initdb")
    if initdb:
        bindir = Path(initdb).resolve().parent
        version = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
        ).stdout
        return Binaries(bindir=bindir, major=int(version.split()[-1].split(".")[0]))
    raise ClusterError(
        "PostgreSQL is not installed. Run: "
        "sudo apt-get update && sudo apt-get install -y postgresql postgresql-15-postgis-3"
    )


def postgis_available(binaries: Binaries) -> bool:
    """Tell whether the PostGIS extension files exist for this server version."""
    return Path(f"/usr/share/postgresql/{binaries.major}/extension/postgis.control").exists()


def ensure_postgis(binaries: Binaries) -> None:
    """Install Debian's PostGIS package when missing (as root), or explain how.

    Raises:
        ClusterError: when PostGIS is missing and cannot be installed from here.
    """
    if postgis_available(binaries):
        return
    package = f"postgresql-{binaries.major}-postgis-3"
    if os.geteuid() != 0:
        raise ClusterError(
            f"PostGIS is missing. Run: sudo apt-get update && sudo apt-get install -y {package}"
        )
    logger.info("installing %s with apt-get", package)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env)
    if not postgis_available(binaries):
        raise ClusterError(f"{package} was installed but postgis.control is still missing")


def server_environment(geos_dir: Path | None = None) -> dict[str, str]:
    """Return the environment the server starts with: ours, plus ``MALLOC_TUNABLES``.

    With ``geos_dir`` (``geos_for_server``), the dynamic linker finds PostGIS's
    ``libgeos_c.so.1`` there first.
    """
    env = {"GLIBC_TUNABLES": MALLOC_TUNABLES, **os.environ}
    if geos_dir is not None:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            part for part in (str(geos_dir), env.get("LD_LIBRARY_PATH", "")) if part
        )
    return env


@dataclass(frozen=True)
class GeosBuild:
    """A GEOS build on disk: its version, its C library and the C++ library that one needs."""

    version: tuple[int, ...]
    c_library: Path
    library: Path


def _version_suffix(name: str) -> tuple[int, ...]:
    """Return (3, 14, 1) for ``libgeos-d1e818bb.so.3.14.1`` (digits after ``.so.``)."""
    digits = name.rsplit(".so.", 1)[-1].split(".")
    return tuple(int(d) for d in digits if d.isdigit())


def shapely_geos() -> GeosBuild | None:
    """Return the GEOS that the installed shapely wheel carries (``shapely.libs``), if any."""
    spec = importlib.util.find_spec("shapely")
    if spec is None or not spec.submodule_search_locations:
        return None
    libs = Path(next(iter(spec.submodule_search_locations))).parent / "shapely.libs"
    c_libraries = sorted(libs.glob("libgeos_c-*.so*"))
    libraries = sorted(libs.glob("libgeos-*.so.*"))
    if len(c_libraries) != 1 or len(libraries) != 1:
        return None
    return GeosBuild(_version_suffix(libraries[0].name), c_libraries[0], libraries[0])


def system_geos_version() -> tuple[int, ...] | None:
    """Return the version of the system's GEOS (``libgeos.so.3.x.y`` under /usr/lib), if any."""
    found = [
        _version_suffix(path.name)
        for pattern in ("/usr/lib/*/libgeos.so.3.*", "/usr/lib/libgeos.so.3.*")
        for path in Path("/").glob(pattern.lstrip("/"))
    ]
    return max(found) if found else None


def _copy_if_changed(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` unless it is already there (same size and time).

    Through a new file renamed into place: a running server maps the old one, which must not be
    overwritten under it.
    """
    stat = source.stat()
    if target.exists():
        known = target.stat()
        if (known.st_size, known.st_mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            return
    partial = target.with_name(target.name + ".partial")
    shutil.copy2(source, partial)
    partial.chmod(0o644)
    os.replace(partial, target)


def geos_for_server(settings: ClusterSettings) -> Path | None:
    """Return a folder holding shapely's GEOS for PostGIS to load, or None for the system's.

    Debian 12's PostGIS 3.3 links GEOS 3.11 through ``libgeos_c.so.1``; the shapely wheel that
    the API validates uploads with carries a newer GEOS. GEOS keeps its C API backward
    compatible (the reason the library is still called ``libgeos_c.so.1``), so PostGIS runs on
    it unchanged: every overlay, predicate and validity test the database
    makes then agrees with the API's shapely, and costs less (GEOS 3.14: a proposal check's
    statement 10-15 % and a province report 20 % faster, same rows to the last digit;
    bench/README.md). The two libraries are copied under the data folder, so the server
    account can read them whatever the checkout's permissions. ``SITEREG_CLUSTER__GEOS=system``
    keeps the system's GEOS; so does a system GEOS at least as new as the wheel's.
    """
    if settings.geos == "system":
        return None
    wheel = shapely_geos()
    if wheel is None:
        return None
    system = system_geos_version()
    if system is not None and wheel.version <= system:
        return None
    folder = settings.data_dir / "geos"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
        _copy_if_changed(wheel.c_library, folder / "libgeos_c.so.1")
        _copy_if_changed(wheel.library, folder / wheel.library.name)
    except OSError as exc:
        logger.warning("PostGIS keeps the system's GEOS: cannot copy shapely's (%s)", exc)
        return None
    logger.info("PostGIS runs on GEOS %s from shapely's wheel", ".".join(map(str, wheel.version)))
    return folder


class EmbeddedCluster:
    """Start, stop and inspect the project's own PostgreSQL cluster."""

    def __init__(self, settings: ClusterSettings) -> None:
        self.settings = settings
        self.root = settings.data_dir
        self.pgdata = self.root / "pg"
        self.socket_dir = self.root / "run"
        self.logfile = self.root / "postgres.log"
        self.state_file = self.root / "cluster.json"
        self.wal_archive = self.root / "wal-archive"
        self.base_backups = self.root / "base-backups"
        self.passwords_file = self.root / "passwords.json"

    # -- paths and accounts -------------------------------------------------------------
    def _as_service_account(self) -> bool:
        return os.geteuid() == 0

    def _run(
        self, args: list[str], *, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a server program, as the unprivileged service account when we are root."""
        if self._as_service_account():
            args = ["runuser", "-u", SERVICE_ACCOUNT, "--", *args]
        return subprocess.run(args, capture_output=True, text=True, check=check, env=env)

    def _prepare_dirs(self) -> None:
        for folder in (self.root, self.socket_dir, self.wal_archive, self.base_backups):
            folder.mkdir(parents=True, exist_ok=True)
        if not self._as_service_account():
            return
        try:
            account = pwd.getpwnam(SERVICE_ACCOUNT)
        except KeyError as exc:
            raise ClusterError(
                f"running as root needs the '{SERVICE_ACCOUNT}' account that Debian's postgresql "
                "package creates. Run: apt-get install -y postgresql"
            ) from exc
        for folder in (self.root, self.socket_dir, self.wal_archive, self.base_backups):
            os.chown(folder, account.pw_uid, account.pw_gid)
        if self.pgdata.exists():
            os.chown(self.pgdata, account.pw_uid, account.pw_gid)
        probe = self._run(["test", "-w", str(self.root)], check=False)
        if probe.returncode != 0:
            raise ClusterError(
                f"the '{SERVICE_ACCOUNT}' account cannot reach {self.root}; make every parent "
                f"folder traversable (chmod o+x) or set DATABASE_URL to an existing server"
            )

    # -- state ----------------------------------------------------------------------------
    def port(self) -> int:
        """Return the port recorded at initialisation (or the configured one)."""
        if self.state_file.exists():
            return int(json.loads(self.state_file.read_text())["port"])
        return self.settings.port

    def initialised(self) -> bool:
        """Tell whether initdb has run."""
        return (self.pgdata / "PG_VERSION").exists()

    def url(self, database: str | None = None, *, role: str = SUPERUSER) -> str:
        """Return the SQLAlchemy URL of a database on this cluster, through its unix socket.

        The socket costs both ends less CPU per round trip than TCP on 127.0.0.1 (a proposal
        check under load: 4.17 against 4.00 ms of CPU per check in alternating runs,
        bench/README.md); the cluster still listens on 127.0.0.1 for other clients.
        """
        return URL.create(
            "postgresql+psycopg",
            username=role,
            database=database or self.settings.database,
            query={"host": str(self.socket_dir.resolve()), "port": str(self.port())},
        ).render_as_string(hide_password=False)

    def app_url(self, database: str | None = None) -> str:
        """Return the unix-socket URL of a database on this cluster as the server's role."""
        return self.url(database, role=APP_ROLE)

    def tcp_url(self, database: str | None = None, *, role: str = SUPERUSER) -> str:
        """Return the SQLAlchemy URL of a database on this cluster over TCP on 127.0.0.1.

        For clients that insist on a host name (tipg's settings, for one); sitereg itself uses
        ``url``. The URL carries the role's password (scram-sha-256 on TCP): never print it
        whole (``make_url(url)`` renders it masked).

        Raises:
            ClusterError: when no password is stored for the role (the cluster never started).
        """
        password = auth.load_passwords(self.passwords_file).get(role)
        if password is None:
            raise ClusterError(
                f"no password for {role} in {self.passwords_file}: run sitereg db start"
            )
        return URL.create(
            "postgresql+psycopg",
            username=role,
            password=password,
            host="127.0.0.1",
            port=self.port(),
            database=database or self.settings.database,
        ).render_as_string(hide_password=False)

    def _pid(self) -> int | None:
        pidfile = self.pgdata / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def _accepting(self) -> bool:
        isready = find_binaries().tool("pg_isready")
        result = subprocess.run(
            [isready, "-q", "-h", "127.0.0.1", "-p", str(self.port())], check=False
        )
        return result.returncode == 0

    def status(self) -> ClusterStatus:
        """Report whether the cluster exists and accepts connections."""
        running = self.initialised() and self._accepting()
        return ClusterStatus(
            initialised=self.initialised(),
            running=running,
            port=self.port() if self.initialised() else None,
            data_dir=self.pgdata,
            pid=self._pid() if running else None,
        )

    # -- lifecycle ------------------------------------------------------------------------
    def init(self, binaries: Binaries) -> None:
        """Create the cluster (initdb) with peer and scram-sha-256 auth, loopback only, JIT off."""
        self._prepare_dirs()
        port = self.settings.port if _port_free(self.settings.port) else _free_port()
        result = self._run(
            [
                binaries.tool("initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                SUPERUSER,
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=False,
        )
        if result.returncode != 0:
            raise ClusterError(f"initdb failed: {result.stderr.strip()}")
        conf = self.pgdata / "postgresql.conf"
        with conf.open("a", encoding="utf-8") as handle:
            handle.write(
                "\n# sitereg embedded cluster\n"
                f"port = {port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                # JIT adds 100+ ms to spatial joins with misestimated rows; measured in bench/.
                "jit = off\n"
                "fsync = on\n"
                "shared_buffers = 256MB\n"
                "work_mem = 32MB\n"
                "max_connections = 100\n" + archive_settings(self.wal_archive)
            )
        self.state_file.write_text(json.dumps({"port": port, "major": binaries.major}))
        self._write_auth_files()

    def _remove_stale_pidfile(self) -> None:
        """Delete a postmaster.pid left by a crash whose process no longer runs postgres."""
        pid = self._pid()
        if pid is None:
            return
        cmdline = Path(f"/proc/{pid}/cmdline")
        alive = cmdline.exists() and b"postgres" in cmdline.read_bytes()
        if not alive:
            logger.warning("removing stale postmaster.pid (pid %s is not running)", pid)
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)

    def start(self) -> ClusterStatus:
        """Start the cluster, creating it first if needed; a running cluster is left alone."""
        binaries = find_binaries()
        ensure_postgis(binaries)
        if not self.initialised():
            self.init(binaries)
        self._prepare_dirs()
        if self._accepting():
            ensure_app_role(self.url("postgres"))
            self.secure()
            return self.status()
        self._remove_stale_pidfile()
        # Before the server starts, so it never runs with the rules of an older sitereg.
        written = self._write_auth_files()
        result = self._run(
            [
                binaries.tool("pg_ctl"),
                "-D",
                str(self.pgdata),
                "-l",
                str(self.logfile),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=False,
            env=server_environment(geos_for_server(self.settings)),
        )
        if result.returncode != 0 or not self._wait_ready(30.0):
            tail = self.logfile.read_text(errors="replace")[-2000:] if self.logfile.exists() else ""
            raise ClusterError(f"PostgreSQL did not start: {result.stderr.strip()}\n{tail}")
        ensure_app_role(self.url("postgres"))
        self.secure(written)
        self.ensure_database(self.settings.database)
        return self.status()

    # -- authentication (devcluster/auth.py) ------------------------------------------------
    def _write_auth_files(self) -> list[str]:
        """Write pg_hba.conf and pg_ident.conf unless they are current; return those changed."""
        texts = (
            auth.hba_text(LOGIN_ROLES, SUPERUSER, self.passwords_file),
            auth.ident_text(auth.os_accounts(self.pgdata), LOGIN_ROLES),
        )
        return [
            name
            for name, text in zip(AUTH_FILES, texts, strict=True)
            if auth.write_if_changed(self.pgdata / name, text)
        ]

    def secure(self, written: list[str] | None = None) -> list[str]:
        """Bring the running cluster to peer + scram-sha-256 authentication; return what changed.

        ``written`` names the files already rewritten before the server started. Files changed
        on a running server are checked by PostgreSQL first (put back if it finds an error) and
        then loaded. The passwords are left alone on a standby, which gets its primary's.

        Raises:
            ClusterError: when PostgreSQL finds an error in the new files.
        """
        import psycopg

        before = {name: _read(self.pgdata / name) for name in AUTH_FILES}
        reloaded = self._write_auth_files()
        conninfo = self.url("postgres").replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            errors = auth.file_errors(conn)
            if errors:
                for name in reloaded:
                    auth.restore_file(self.pgdata / name, before[name])
                raise ClusterError("refused the new authentication files: " + "; ".join(errors))
            if reloaded:
                _reload(conn, conninfo)
            roles = [] if auth.in_recovery(conn) else self._set_passwords(conn)
        changes = self._describe_changes([*(written or []), *reloaded], roles)
        if changes:
            # Once, when something changed: how one connects is not what it was (CLI shows WARNING).
            logger.warning("embedded cluster authentication: %s", "; ".join(changes))
        return changes

    def _set_passwords(self, conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
        return auth.set_passwords(conn, auth.ensure_passwords(self.passwords_file, LOGIN_ROLES))

    def _describe_changes(self, files: list[str], roles: list[str]) -> list[str]:
        described = {
            "pg_hba.conf": "pg_hba.conf rewritten (peer on the socket, scram-sha-256 on "
            "127.0.0.1, no trust)",
            "pg_ident.conf": f"pg_ident.conf rewritten (map {auth.IDENT_MAP}: OS accounts "
            f"{', '.join(auth.os_accounts(self.pgdata))} as {', '.join(LOGIN_ROLES)})",
        }
        changes = [described[name] for name in AUTH_FILES if name in files]
        if roles:
            changes.append(f"password set for {', '.join(roles)} (in {self.passwords_file})")
        return changes

    def _wait_ready(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._accepting():
                return True
            time.sleep(0.2)
        return False

    def stop(self) -> ClusterStatus:
        """Stop the cluster (fast shutdown); stopping a stopped cluster is not an error."""
        if self.initialised() and self._pid() is not None:
            binaries = find_binaries()
            self._run(
                [binaries.tool("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
                check=False,
            )
            self._remove_stale_pidfile()
        return self.status()

    def reset(self) -> ClusterStatus:
        """Stop the cluster and delete its data folder; the next start creates it anew."""
        self.stop()
        shutil.rmtree(self.pgdata, ignore_errors=True)
        self.state_file.unlink(missing_ok=True)
        return self.status()

    def ensure_database(self, name: str) -> None:
        """Create a database on the running cluster if it does not exist."""
        create_database(self.url("postgres"), name)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _reload(conn: psycopg.Connection[tuple[object, ...]], conninfo: str) -> None:
    """Reload the configuration and wait until new sessions get it (the reload is a signal)."""
    import psycopg

    row = conn.execute("SELECT pg_conf_load_time()").fetchone()
    conn.execute("SELECT pg_reload_conf()")
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        # A new session inherits the postmaster's load time: later once it has reloaded.
        with psycopg.connect(conninfo, autocommit=True) as probe:
            if probe.execute("SELECT pg_conf_load_time()").fetchone() != row:
                return
        time.sleep(0.05)
    raise ClusterError("PostgreSQL did not reload its configuration within 10 s")


def create_database(admin_url: str, name: str) -> None:
    """Create database ``name`` through ``admin_url`` unless it exists."""
    import psycopg
    from psycopg import sql

    conninfo = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def role_exists(admin_url: str, role: str) -> bool:
    """Tell whether the server behind ``admin_url`` has a role named ``role``."""
    import psycopg

    conninfo = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            is not None
        )


def ensure_app_role(admin_url: str, role: str = APP_ROLE) -> None:
    """Create the server's login role through ``admin_url`` unless it exists.

    The role may log in and nothing more: no superuser, no databases, no roles, no replication,
    no row-security bypass. What it may read and write comes from the privileges migration.
    """
    import psycopg
    from psycopg import errors, sql

    if role_exists(admin_url, role):
        return
    conninfo = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        statement = sql.SQL(
            "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        ).format(sql.Identifier(role))
        # Another process (a parallel test session) may have created it in the meantime.
        with contextlib.suppress(errors.DuplicateObject, errors.UniqueViolation):
            conn.execute(statement)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name`` (terminating its sessions) through ``admin_url``."""
    import psycopg
    from psycopg import sql

    conninfo = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
