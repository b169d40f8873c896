"""Warehouse connections: one place that knows where the database is."""

from __future__ import annotations

import os

import psycopg
from psycopg.rows import TupleRow


class DatabaseNotConfiguredError(RuntimeError):
    """LINKY_DATABASE_URL is missing."""


class MissingRowError(RuntimeError):
    """A query that always answers one row (count(*), INSERT ... RETURNING) answered none."""


def one_row(cursor: psycopg.Cursor[TupleRow], what: str) -> TupleRow:
    """The single row `cursor` must hold; raises MissingRowError naming `what` when there is none."""
    row = cursor.fetchone()
    if row is None:
        raise MissingRowError(f"{what}: the query returned no row")
    return row


def database_url() -> str:
    """The warehouse URL from LINKY_DATABASE_URL, read at call time (never at import)."""
    url = os.environ.get("LINKY_DATABASE_URL", "").strip()
    if not url:
        raise DatabaseNotConfiguredError(
            "LINKY_DATABASE_URL is not set. Run `make demo` / `make dev` (they start a local PostgreSQL under "
            ".linky/), or `eval $(python -m linky_pipeline.local db start)`, or export a postgresql:// URL."
        )
    return url


def to_psycopg_url(url: str) -> str:
    """Accept SQLAlchemy-style URLs (postgresql+psycopg://) where psycopg wants plain postgresql://."""
    for prefix in ("postgresql+psycopg2://", "postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def to_dagster_storage_url(url: str) -> str:
    """dagster-postgres breaks on psycopg 3 under SQLAlchemy 2.1 (NOTIFY syntax): force the psycopg2 driver."""
    return "postgresql+psycopg2://" + to_psycopg_url(url)[len("postgresql://") :]


def connect(url: str | None = None, *, autocommit: bool = False) -> psycopg.Connection:
    """A psycopg 3 connection to the warehouse."""
    return psycopg.connect(to_psycopg_url(url or database_url()), autocommit=autocommit)
