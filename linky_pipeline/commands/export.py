"""`linky-pipeline export`: a building's energy and cost by interval, day or month, as CSV, Parquet or XLSX."""

from __future__ import annotations

from pathlib import Path

import click

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib.domain import identifiers as ids
from linky_pipeline.lib.export.frames import GRAINS, export_frame
from linky_pipeline.lib.export.write import FORMATS, write_export


@click.command("export")
@click.option("--building", required=True, help="Building code.")
@click.option("--from", "first", required=True, help="First local day (YYYY-MM-DD).")
@click.option("--to", "last", required=True, help="Last local day, included (YYYY-MM-DD).")
@click.option("--grain", type=click.Choice(GRAINS), default="day", show_default=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--decimal-comma", is_flag=True, help="CSV: write 1,5 instead of 1.5 (French spreadsheets).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write.")
def export_command(
    building: str, first: str, last: str, grain: str, fmt: str, decimal_comma: bool, output: Path | None
) -> None:
    """Write local-time rows with kWh and € (CSV: `;`, UTF-8 with BOM, optional decimal comma)."""
    with warehouse() as conn:
        start, end = ids.iso_date("from", first), ids.iso_date("to", last)
        frame = export_frame(conn, building, start, end, grain)
        path = output or Path(f"export-{building}-{start.isoformat()}-{end.isoformat()}-{grain}.{fmt}")
        write_export(frame, path, fmt, decimal_comma=decimal_comma)
    kwh = frame["kwh"].sum() if "kwh" in frame else 0.0
    click.echo(f"wrote {len(frame)} row(s) to {path} ({kwh:.3f} kWh)")
