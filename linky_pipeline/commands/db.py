"""`linky-pipeline db …`: migrations and the local development cluster."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib import migrations
from linky_pipeline.lib.localstate import LOCAL_STATE, local_cluster


@click.group()
def db() -> None:
    """Warehouse schema and local database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations from sql/ (idempotent)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with warehouse() as conn:
        done = migrations.upgrade(conn)
    click.echo("applied: " + ", ".join(done) if done else "schema up to date")


@db.command("status")
def db_status() -> None:
    """Show applied migrations."""
    with warehouse() as conn:
        for name, at in migrations.applied(conn):
            click.echo(f"{name}\t{at}")


@db.command("start")
@click.option("--state-dir", type=click.Path(path_type=Path), default=LOCAL_STATE, show_default=True)
def db_start(state_dir: Path) -> None:
    """Start the local cluster under .linky/ and print `export LINKY_DATABASE_URL=…`."""
    cluster = local_cluster(state_dir)
    cluster.start()
    click.echo(f"export LINKY_DATABASE_URL={cluster.create_database('linky')}")


@db.command("stop")
@click.option("--state-dir", type=click.Path(path_type=Path), default=LOCAL_STATE, show_default=True)
def db_stop(state_dir: Path) -> None:
    """Stop the local cluster under .linky/."""
    local_cluster(state_dir).stop()
    click.echo("stopped" if not os.path.exists(state_dir / "pgdata" / "postmaster.pid") else "still running")
