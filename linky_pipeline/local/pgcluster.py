"""A throwaway or persistent PostgreSQL cluster from the server binaries on PATH.

Shared by the tests, `make demo` and `make dev`. initdb/pg_ctl refuse to run as root, so as root they run as the
`postgres` user. A watchdog process stops the cluster if its owner dies without cleaning up (SIGKILL included).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/*/bin. "
    "Install them (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql@15`) "
    "or point LINKY_DATABASE_URL at an existing PostgreSQL ≥ 15 database."
)


class ClusterError(RuntimeError):
    """The local cluster could not be created, started or stopped."""


def find_pg_bindir() -> Path:
    """Directory holding initdb and pg_ctl; PATH first, then Debian's versioned layout (newest first)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    raise ClusterError(INSTALL_HINT)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalCluster:
    """One PostgreSQL cluster in `datadir`, listening on 127.0.0.1:`port` (trust auth, local use only)."""

    datadir: Path
    port: int = 0
    user: str = "postgres"
    bindir: Path = field(default_factory=find_pg_bindir)
    _watchdog: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.datadir = Path(self.datadir).resolve()
        if not self.port:
            self.port = free_port()

    @property
    def _run_as(self) -> pwd.struct_passwd | None:
        """The unprivileged account to run the server as when we are root."""
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("postgres")
        except KeyError:
            raise ClusterError("running as root but no 'postgres' user exists to own the cluster") from None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        account = self._run_as
        kwargs: dict[str, object] = {}
        if account is not None:
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [], "cwd": "/"}
        try:
            result = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
        except FileNotFoundError:
            raise ClusterError(f"{args[0]} does not exist. {INSTALL_HINT}") from None
        if check and result.returncode != 0:
            raise ClusterError(f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()[-800:]}")
        return result

    def _prepare_dirs(self) -> None:
        self.datadir.parent.mkdir(parents=True, exist_ok=True)
        account = self._run_as
        if account is None:
            return
        for path in (self.datadir.parent, self.datadir):
            if path.exists():
                os.chown(path, account.pw_uid, account.pw_gid)
        # The server account must be able to traverse to the data directory.
        for parent in self.datadir.parents:
            if parent == Path("/"):
                break
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)

    def initialised(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def init(self) -> None:
        self.datadir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._prepare_dirs()
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            self.user,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def running(self) -> bool:
        return self._run(str(self.bindir / "pg_ctl"), "status", "-D", str(self.datadir), check=False).returncode == 0

    def start(self, *, watch_pid: int | None = None) -> bool:
        """Start the server (False if it already runs: e.g. `make dev` is up while `make demo` runs);
        with `watch_pid`, stop it as soon as that process is gone."""
        if not self.initialised():
            self.init()
        if self.running():
            return False
        options = (
            f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.datadir),
            "-l",
            str(self.datadir / "server.log"),
            "-o",
            options,
        )
        if watch_pid is not None:
            self._watchdog = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "linky_pipeline.local.pgwatchdog",
                    str(watch_pid),
                    str(self.bindir),
                    str(self.datadir),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        return True

    def stop(self) -> None:
        if self.initialised() and self.running():
            self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "fast", "-w", check=False)
        if self._watchdog is not None:
            self._watchdog.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._watchdog.wait(timeout=5)
            self._watchdog = None

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, dbname: str) -> str:
        """Create `dbname` if missing and return its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        return self.url(dbname)


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[LocalCluster]:
    """A cluster in a temporary directory, removed afterwards; guarded by a watchdog on this process."""
    base = Path(tempfile.mkdtemp(prefix="linky-pg-"))
    cluster = LocalCluster(datadir=base / "data")
    try:
        cluster.start(watch_pid=os.getpid())
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
