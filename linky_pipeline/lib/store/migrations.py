"""Numbered SQL migrations in sql/: each file runs once, in its own transaction, and is recorded with a checksum."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_LOCK_KEY = 7_406_251_001  # advisory lock: one upgrader at a time


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


def upgrade(conn: psycopg.Connection, directory: Path | None = None) -> list[str]:
    """Apply pending migrations; returns the file names applied (empty when up to date)."""
    notices: list[str] = []
    conn.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
    with conn.transaction():
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, filename text NOT NULL, "
            "sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
    applied_now: list[str] = []
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
    return applied_now


def applied(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(filename, applied_at) of every recorded migration."""
    rows = conn.execute("SELECT filename, applied_at::text FROM schema_migrations ORDER BY version").fetchall()
    return [(r[0], r[1]) for r in rows]
