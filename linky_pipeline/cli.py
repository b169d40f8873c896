"""`linky-pipeline`: one entry point for the registry, the database, the sandbox, consent and secrets."""

from __future__ import annotations

import click

from linky_pipeline.commands import consent, secrets
from linky_pipeline.commands.db import db
from linky_pipeline.commands.registry import buildings, meters
from linky_pipeline.sandbox.cli import sandbox


@click.group()
def main() -> None:
    """linky_pipeline: smart-meter load curves into trustworthy energy tables."""


meters.add_command(consent.connect)
meters.add_command(consent.disconnect)
buildings.add_command(consent.erase)
for group in (db, buildings, meters, secrets.secrets, sandbox):
    main.add_command(group)
