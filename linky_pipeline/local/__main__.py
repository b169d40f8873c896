"""`python -m linky_pipeline.local db start|stop`: the local cluster under .linky/ that make demo / make dev use."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from linky_pipeline.local.state import LOCAL_STATE, local_cluster


@click.group()
def main() -> None:
    """Local development tooling (never part of a deployment)."""


@main.group()
def db() -> None:
    """The local PostgreSQL cluster."""


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
    click.echo("still running" if (state_dir / "pgdata" / "postmaster.pid").exists() else "stopped")


if __name__ == "__main__":
    sys.exit(main())
