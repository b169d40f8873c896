"""Numbered SQL migrations in sql/: each file runs once, in its own transaction, and is recorded with a checksum.

A file whose first lines say `-- requires: timescaledb` runs only where the package is installed and preloaded;
elsewhere it stays pending and is NOT recorded, so a later `db upgrade` on a TimescaleDB server applies it (such a
migration is written to run in any order relative to the later ones). Retired files stay in sql/ for the
databases that recorded them, and never run again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg

from linky_pipeline.lib.store.timescale.server import TimescaleState, timescale_state

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_REQUIRES = re.compile(r"^--\s*requires:\s*([a-z_, ]+)$", re.MULTILINE)
_LOCK_KEY = 7_406_251_001  # advisory lock: one upgrader at a time
# Retired: never run on a database that has not recorded them (what they did is done by their successor).
RETIRED = {
    "003_timescaledb.sql": "superseded by 062_timescaledb_columnstore.sql (readings are stored in reading_days; "
    "003 checked that TimescaleDB was packaged, not preloaded, and recorded itself when it skipped)",
}


class MigrationError(RuntimeError):
    """A migration file is malformed, was edited after being applied, or failed."""


@dataclass(frozen=True)
class Migration:
    version: str
    filename: str
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def requires(self) -> frozenset[str]:
        """Extensions the migration needs (`-- requires: timescaledb` in its header comment)."""
        header = "\n".join(line for line in self.sql.splitlines()[:5] if line.startswith("--"))
        return frozenset(
            name.strip() for match in _REQUIRES.finditer(header) for name in match.group(1).split(",") if name.strip()
        )


@dataclass(frozen=True)
class UpgradeResult:
    """What `upgrade` did: files applied now, and files left pending with the reason."""

    applied: list[str]
    pending: dict[str, str]


def migrations_dir() -> Path:
    """The repository's sql/ folder, or the copy packaged in the wheel."""
    repo_sql = Path(__file__).resolve().parents[3] / "sql"
    if repo_sql.is_dir():
        return repo_sql
    return Path(str(resources.files("linky_pipeline") / "migrations_sql"))


def load_migrations(directory: Path | None = None) -> list[Migration]:
    found: list[Migration] = []
    for path in sorted((directory or migrations_dir()).glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file name {path.name!r} must look like 001_description.sql")
        found.append(Migration(match.group(1), path.name, path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions in {versions}")
    return found


def why_pending(migration: Migration, state: TimescaleState) -> str | None:
    """None when the migration can run on this server, else the reason it waits."""
    unknown = migration.requires - {"timescaledb"}
    if unknown:
        raise MigrationError(f"migration {migration.filename} requires {sorted(unknown)}: only timescaledb is known")
    if "timescaledb" in migration.requires and not state.ready:
        return (
            f"needs TimescaleDB; this server is {state.describe()}. Not recorded: `linky-pipeline db upgrade` "
            "applies it once the server has TimescaleDB"
        )
    return None


def upgrade(conn: psycopg.Connection, directory: Path | None = None) -> list[str]:
    """Apply pending migrations; returns the file names applied (empty when up to date)."""
    return upgrade_report(conn, directory).applied


def upgrade_report(conn: psycopg.Connection, directory: Path | None = None) -> UpgradeResult:
    """Apply what can run here; report what waits for TimescaleDB."""
    notices: list[str] = []
    conn.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
    with conn.transaction():
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, filename text NOT NULL, "
            "sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
    applied_now: list[str] = []
    waiting: dict[str, str] = {}
    with conn.transaction():  # never leave an implicit transaction open: each migration commits on its own
        state = timescale_state(conn)
    for migration in load_migrations(directory):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            row = conn.execute(
                "SELECT sha256 FROM schema_migrations WHERE version = %s", (migration.version,)
            ).fetchone()
            if row is not None:
                if row[0] != migration.sha256:
                    raise MigrationError(
                        f"migration {migration.filename} changed after it was applied; add a new migration instead"
                    )
                continue
            if migration.filename in RETIRED:
                continue
            reason = why_pending(migration, state)
            if reason is not None:
                log.warning("%s: pending, %s", migration.filename, reason)
                waiting[migration.filename] = reason
                continue
            notices.clear()
            try:
                conn.execute(migration.sql.encode())
            except psycopg.Error as exc:
                raise MigrationError(f"migration {migration.filename} failed: {exc}") from exc
            conn.execute(
                "INSERT INTO schema_migrations (version, filename, sha256) VALUES (%s, %s, %s)",
                (migration.version, migration.filename, migration.sha256),
            )
            for notice in notices:
                log.info("%s: %s", migration.filename, notice)
            applied_now.append(migration.filename)
            if "timescaledb" in migration.requires:
                state = timescale_state(conn)
    return UpgradeResult(applied_now, waiting)


def pending(conn: psycopg.Connection, directory: Path | None = None) -> dict[str, str]:
    """Migrations not recorded here (retired ones excluded), with why they have not run."""
    done = {name for name, _ in applied(conn)}
    state = timescale_state(conn)
    return {
        m.filename: why_pending(m, state) or "not applied yet: run `linky-pipeline db upgrade`"
        for m in load_migrations(directory)
        if m.filename not in done and m.filename not in RETIRED
    }


def applied(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(filename, applied_at) of every recorded migration."""
    rows = conn.execute("SELECT filename, applied_at::text FROM schema_migrations ORDER BY version").fetchall()
    return [(r[0], r[1]) for r in rows]
