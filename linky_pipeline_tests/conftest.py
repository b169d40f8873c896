"""Shared fixtures: a real PostgreSQL for the whole session (never mocked)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from linky_pipeline.lib.store import migrations
from linky_pipeline.lib.store.db import to_psycopg_url
from linky_pipeline.local.pgcluster import throwaway_cluster

# The pipeline's clock for the session, read when defs/partitions.py is imported (the month dimension starts at
# this date's history horizon): early enough that the oldest month a test uses (2023-10, a Belgian CSV fixture)
# is a partition, whatever the real date. Runs still pin their own reference date (support/pipeline.py).
os.environ.setdefault("LINKY_SYNC_TODAY", "2026-10-20")

pytest_plugins = ["linky_pipeline_tests.support.pipeline"]  # sandbox, building, run_pipeline

KEEP_TABLES = {"schema_migrations"}
# Markers for a fast loop (`pytest -m "not postgres and not http"`): set from the fixtures a test uses, plus the
# modules that start servers themselves (they declare `pytestmark`). `make test` runs everything.
POSTGRES_FIXTURES = frozenset({"pg_server_url", "pg_url", "db", "warehouse_env"})
HTTP_FIXTURES = frozenset(
    {"sandbox", "server", "fresh_server", "api", "config", "webhook_receiver", "mailbox", "run_pipeline"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & POSTGRES_FIXTURES:
            item.add_marker(pytest.mark.postgres)
        if used & HTTP_FIXTURES:
            item.add_marker(pytest.mark.http)


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """URL of a maintenance database on a server we may create databases on.

    LINKY_DATABASE_URL wins (a database is created beside it and dropped afterwards); otherwise a throwaway cluster
    is started from the local PostgreSQL binaries and always stopped.
    """
    external = os.environ.get("LINKY_DATABASE_URL")
    if external:
        yield to_psycopg_url(external)
        return
    with throwaway_cluster() as cluster:
        yield cluster.url()


def _swap_db(url: str, dbname: str) -> str:
    head, _, _ = url.rpartition("/")
    return f"{head}/{dbname}"


@pytest.fixture(scope="session")
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh database with every migration applied, dropped at the end of the session."""
    dbname = f"linky_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    url = _swap_db(pg_server_url, dbname)
    with psycopg.connect(url) as conn:
        migrations.upgrade(conn)
    yield url
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


def truncate_all(url: str) -> None:
    """Empty every warehouse table (keeps the migration records)."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
            if r[0] not in KEEP_TABLES
        ]
        if tables:
            conn.execute(
                sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier(t) for t in tables)
                )
            )


@pytest.fixture
def db(pg_url: str) -> Iterator[psycopg.Connection]:
    """An open connection (autocommit off); every table is emptied after the test."""
    conn = psycopg.connect(pg_url)
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()
        truncate_all(pg_url)


@pytest.fixture
def warehouse_env(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """LINKY_DATABASE_URL pointing at the test database (for CLI commands and resources)."""
    monkeypatch.setenv("LINKY_DATABASE_URL", pg_url)
    return pg_url
