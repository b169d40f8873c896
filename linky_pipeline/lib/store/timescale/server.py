"""What the warehouse knows about TimescaleDB: is it there and usable, what it runs, and what failed.

Plain PostgreSQL is a supported path (the same schema and queries, without hypertable, columnstore or policies),
so every function here answers sensibly without the extension.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg

from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)
EXTENSION = "timescaledb"


@dataclass(frozen=True)
class TimescaleState:
    """Whether TimescaleDB can be used on this server and database."""

    available_version: str | None  # packaged on the server (pg_available_extensions)
    installed_version: str | None  # created in this database (pg_extension)
    preloaded: bool  # in shared_preload_libraries (required before CREATE EXTENSION and for every use)

    @property
    def ready(self) -> bool:
        """TimescaleDB steps can run: the package is there and the library is preloaded."""
        return self.available_version is not None and self.preloaded

    @property
    def active(self) -> bool:
        """The extension is created here and usable (hypertable features are live)."""
        return self.installed_version is not None and self.preloaded

    def describe(self, postgres_version: str = "") -> str:
        """One line for `db status` and migration logs."""
        postgres = f"PostgreSQL {postgres_version}".strip()
        if self.active:
            return f"TimescaleDB {self.installed_version} on {postgres}"
        if self.ready:
            return f"plain {postgres} (TimescaleDB {self.available_version} available, not created yet)"
        if self.available_version is not None:
            return (
                f"plain {postgres} (TimescaleDB {self.available_version} is installed but not preloaded: add "
                "shared_preload_libraries = 'timescaledb' to postgresql.conf and restart the server)"
            )
        return f"plain {postgres} (TimescaleDB is not installed on this server)"


def _preloaded(conn: psycopg.Connection) -> bool:
    """shared_preload_libraries is readable by superusers and pg_read_all_settings; otherwise the loader's own
    settings (registered only when the library is preloaded) tell."""
    try:
        with conn.transaction():
            row = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()
    except psycopg.errors.InsufficientPrivilege:
        row = conn.execute("SELECT current_setting('timescaledb.disable_load', true)").fetchone()
        return row is not None and row[0] is not None
    libraries = [part.strip().strip('"') for part in str(row[0] if row else "").split(",")]
    return any(lib.rsplit("/", 1)[-1].startswith(EXTENSION) for lib in libraries if lib)


def timescale_state(conn: psycopg.Connection) -> TimescaleState:
    row = conn.execute(
        "SELECT (SELECT default_version FROM pg_available_extensions WHERE name = %(e)s), "
        "(SELECT extversion FROM pg_extension WHERE extname = %(e)s)",
        {"e": EXTENSION},
    ).fetchone()
    available, installed = (row[0], row[1]) if row else (None, None)
    return TimescaleState(available, installed, _preloaded(conn) if available is not None else False)


def extension_installed(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (EXTENSION,)).fetchone() is not None


_INSTALLED: weakref.WeakKeyDictionary[psycopg.Connection, bool] = weakref.WeakKeyDictionary()


def allow_decompression(conn: psycopg.Connection) -> None:
    """Inside a transaction that may rewrite or delete compressed rows: lift the per-transaction decompression cap
    (100 000 tuples by default) for this transaction only. A no-op on plain PostgreSQL (asked once per connection:
    a run writes hundreds of building-months on one)."""
    installed = _INSTALLED.get(conn)
    if installed is None:
        installed = _INSTALLED[conn] = extension_installed(conn)
    if installed:
        conn.execute("SET LOCAL timescaledb.max_tuples_decompressed_per_dml_transaction = 0")


@dataclass(frozen=True)
class Hypertable:
    name: str
    chunks: int
    compressed_chunks: int
    partial_chunks: int  # compressed chunks holding rows written since (recompressed by the run or the policy)
    chunk_interval: str
    segmentby: str
    orderby: str
    bytes_total: int


@dataclass(frozen=True)
class Job:
    job_id: int
    proc: str
    hypertable: str | None
    schedule: str
    config: dict[str, Any]
    last_run_started_at: datetime | None
    last_run_status: str | None
    total_runs: int
    total_failures: int
    next_start: datetime | None


@dataclass(frozen=True)
class JobFailure:
    job_id: int
    proc: str
    hypertable: str | None
    finished_at: datetime | None
    error: str

    def describe(self) -> str:
        when = f" at {self.finished_at:%Y-%m-%d %H:%M %Z}" if self.finished_at else ""
        on = f" on {self.hypertable}" if self.hypertable else ""
        return f"job {self.job_id} ({self.proc}{on}) failed{when}: {self.error}"


def hypertables(conn: psycopg.Connection) -> list[Hypertable]:
    if not extension_installed(conn):
        return []
    return [Hypertable(*row) for row in conn.execute(SQL["select_hypertables"], {}).fetchall()]


def jobs(conn: psycopg.Connection) -> list[Job]:
    """Policies and other background jobs (TimescaleDB's own telemetry/maintenance jobs excluded)."""
    if not extension_installed(conn):
        return []
    return [Job(*row) for row in conn.execute(SQL["select_jobs"]).fetchall()]


def failed_jobs(conn: psycopg.Connection, since: datetime | None = None) -> list[JobFailure]:
    """Jobs whose last run failed, plus every recorded error since `since`; empty on plain PostgreSQL."""
    if not extension_installed(conn):
        return []
    rows = conn.execute(SQL["select_failed_jobs"], {"since": since}).fetchall()
    return [JobFailure(*row) for row in rows]


def recompress_touched_chunks(conn: psycopg.Connection, table: str, first_day: date, last_day: date) -> list[str]:
    """Recompress the chunks of `table` overlapping [first_day, last_day] that writes left partially compressed;
    returns their names. Runs in the caller's transaction; a no-op without TimescaleDB."""
    if not extension_installed(conn):
        return []
    chunks = [
        str(row[0])
        for row in conn.execute(
            SQL["select_partial_chunks"], {"table": table, "first_day": first_day, "last_day": last_day}
        ).fetchall()
    ]
    columnstore = has_columnstore_api(conn)
    for chunk in chunks:
        if columnstore:
            conn.execute("CALL convert_to_columnstore(%s::regclass, recompress => true)", (chunk,))
        else:  # before 2.18
            conn.execute("SELECT compress_chunk(%s::regclass, recompress => true)", (chunk,))
    return chunks


def has_columnstore_api(conn: psycopg.Connection) -> bool:
    """TimescaleDB ≥ 2.18 names (convert_to_columnstore, add_columnstore_policy); older servers have only the
    compression names."""
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'convert_to_columnstore')").fetchone()
    return bool(row and row[0])
