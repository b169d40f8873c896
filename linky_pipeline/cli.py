"""`linky-pipeline`: one entry point for the registry, the database, the sandbox and consent."""

from __future__ import annotations

import click

from linky_pipeline.commands.db import db
from linky_pipeline.commands.registry import buildings, meters


@click.group()
def main() -> None:
    """linky_pipeline: smart-meter load curves into trustworthy energy tables."""


main.add_command(db)
main.add_command(buildings)
main.add_command(meters)
