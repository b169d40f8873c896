"""`linky-pipeline db …`: migrations and the warehouse's status (plain PostgreSQL or TimescaleDB, and how it is)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import click
import psycopg

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib.store import migrations
from linky_pipeline.lib.store.timescale import server as tsdb

FAILURE_LOOKBACK = timedelta(days=7)


@click.group()
def db() -> None:
    """Warehouse schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations from sql/ (idempotent); TimescaleDB steps wait for a TimescaleDB server."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with warehouse() as conn:
        result = migrations.upgrade_report(conn)
    click.echo("applied: " + ", ".join(result.applied) if result.applied else "schema up to date")
    for name, reason in result.pending.items():
        click.echo(f"pending: {name}: {reason}")


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else "never"


def _print_migrations(conn: psycopg.Connection) -> None:
    click.echo("migrations:")
    for name, at in migrations.applied(conn):
        click.echo(f"  {name}\tapplied {at}")
    for name, reason in migrations.pending(conn).items():
        click.echo(f"  {name}\tPENDING: {reason}")
    for name, why in migrations.RETIRED.items():
        click.echo(f"  {name}\tretired: {why}")


def _print_timescale(conn: psycopg.Connection) -> None:
    tables = tsdb.hypertables(conn)
    click.echo("hypertables:" if tables else "hypertables: none")
    for t in tables:
        click.echo(
            f"  {t.name}: {t.chunks} chunks ({t.compressed_chunks} in the columnstore, {t.partial_chunks} of them "
            f"partially), interval {t.chunk_interval}, segment-by {t.segmentby or '-'}, order-by {t.orderby or '-'}, "
            f"{t.bytes_total / 1e6:.1f} MB"
        )
    jobs = tsdb.jobs(conn)
    click.echo("policies:" if jobs else "policies: none")
    for j in jobs:
        on = f" on {j.hypertable}" if j.hypertable else ""
        click.echo(
            f"  job {j.job_id} {j.proc}{on} every {j.schedule} {j.config}: last run {_when(j.last_run_started_at)} "
            f"{j.last_run_status or ''}, {j.total_runs} runs, {j.total_failures} failures, next {_when(j.next_start)}"
        )
    failures = tsdb.failed_jobs(conn, since=datetime.now(UTC) - FAILURE_LOOKBACK)
    click.echo(f"job failures (last run failed, or errors in the last {FAILURE_LOOKBACK.days} days): {len(failures)}")
    for f in failures:
        click.echo(f"  {f.describe()}")


@db.command("status")
def db_status() -> None:
    """Which path the warehouse runs on (plain PostgreSQL or TimescaleDB), migrations, hypertables, policies, the
    last job runs and failures."""
    with warehouse() as conn:
        version = conn.execute("SHOW server_version").fetchone()
        state = tsdb.timescale_state(conn)
        click.echo(f"path: {state.describe(str(version[0]) if version else '')}")
        _print_migrations(conn)
        if state.active:
            _print_timescale(conn)
