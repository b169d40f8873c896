"""`linky-pipeline meters import-csv`: land a Belgian quarter-hour CSV export (the lead attaches it to `meters`)."""

from __future__ import annotations

from pathlib import Path

import click

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib.domain.identifiers import InvalidValueError
from linky_pipeline.lib.sources.belgium.errors import BelgianError
from linky_pipeline.lib.sync.csv_import import import_csv


class BadInputError(click.ClickException):
    """Bad file or option: one `Error: …` line, exit code 2, nothing written."""

    exit_code = 2


@click.command("import-csv")
@click.option("--building", required=True, help="Building the be_csv meter is registered in.")
@click.option("--ean", default=None, help="EAN-18 of the meter; defaults to the EAN of the file's first row.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_csv_command(building: str, ean: str | None, file: Path) -> None:
    """Import a Fluvius quarter-hour CSV export (English or Dutch headers) into the landing table.

    Re-importing the same file changes nothing; a later overlapping file wins per quarter hour. Run the
    readings asset for the months listed to rebuild readings and aggregates.
    """
    with warehouse() as conn:
        try:
            report = import_csv(conn, building, file, ean=ean)
        except (BelgianError, InvalidValueError) as exc:
            raise BadInputError(str(exc)) from None
    for m in report.months:
        state = "landed" if m.changed else "unchanged"
        click.echo(
            f"{m.meter_id}\t{m.direction}\t{m.month:%Y-%m}\t{m.rows_in_file} rows from file\t"
            f"{m.rows_stored} rows stored\t{state}"
        )
    for note in report.skipped:
        click.echo(f"skipped {note}")
    for point in report.quarantined:
        click.echo(f"quarantined (implausible, not imported as a reading) {point}")
    if not report.months:
        click.echo(f"no readings in {report.file} (only gaps or skipped registers)")
