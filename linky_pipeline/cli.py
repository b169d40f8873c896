"""`linky-pipeline`: one entry point for the registry, the database, the sandbox, consent and secrets."""

from __future__ import annotations

import click

from linky_pipeline.commands import consent, secrets
from linky_pipeline.commands.alerts import alerts
from linky_pipeline.commands.backfill import backfill
from linky_pipeline.commands.belgium import import_csv_command
from linky_pipeline.commands.bi import create_bi_role_command
from linky_pipeline.commands.db import db
from linky_pipeline.commands.export import export_command
from linky_pipeline.commands.registry import buildings, meters
from linky_pipeline.commands.tariffs import tariffs
from linky_pipeline.sandbox.cli import sandbox


@click.group()
def main() -> None:
    """linky_pipeline: smart-meter load curves into trustworthy energy tables."""


meters.add_command(consent.connect)
meters.add_command(consent.disconnect)
meters.add_command(import_csv_command)
buildings.add_command(consent.erase)
db.add_command(create_bi_role_command)
for group in (db, buildings, meters, alerts, tariffs, backfill, secrets.secrets, sandbox):
    main.add_command(group)
main.add_command(export_command)


if __name__ == "__main__":
    main()
