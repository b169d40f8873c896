"""`linky-pipeline db …`: migrations and the warehouse's status."""

from __future__ import annotations

import logging

import click

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib.store import migrations


@click.group()
def db() -> None:
    """Warehouse schema."""


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
