"""`linky-pipeline export` of a priced month: what a spreadsheet shows — local times across DST, kWh and € that add
up to the month's tables."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import psycopg
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from linky_pipeline.cli import main
from linky_pipeline.lib.tables.tariff_store import add_tariff
from linky_pipeline_tests.support.hand_building import hand_building, rebuild_costs
from linky_pipeline_tests.support.hand_costs import hphc_tariff

MONTHS = [date(2026, 3, 1), date(2026, 10, 1)]


@pytest.fixture
def priced(db: psycopg.Connection, pg_url: str, warehouse_env: str) -> str:
    hand_building(db, "hand", "54144800000000021", MONTHS)
    add_tariff(db, hphc_tariff("hand"))
    db.commit()
    rebuild_costs(pg_url, db, "hand", MONTHS)
    return "hand"


def _export(tmp_path: Path, *args: str) -> tuple[Path, str]:
    fmt = args[args.index("--format") + 1] if "--format" in args else "csv"
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(main, ["export", "--building", "hand", *args, "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def _french_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the file as UTF-8
    assert b"\r\n" in raw
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def test_interval_csv_with_decimal_comma(priced: str, tmp_path: Path) -> None:
    path, out = _export(tmp_path, "--from", "2026-03-01", "--to", "2026-03-31", "--grain", "interval",
                        "--format", "csv", "--decimal-comma")  # fmt: skip
    rows = _french_csv(path)
    assert len(rows) == 30 * 48 + 46 and "1486 row(s)" in out
    assert (rows[0]["local_start"], rows[0]["utc_offset"], rows[0]["utc_start"]) == (
        "2026-03-01 00:00:00",
        "+01:00",
        "2026-02-28 23:00:00",
    )
    spring = [(r["local_start"][11:16], r["utc_offset"]) for r in rows if r["local_date"] == "2026-03-29"]
    assert len(spring) == 46 and spring[3:5] == [("01:30", "+01:00"), ("03:00", "+02:00")]
    assert rows[0]["kwh"] == "0,500000"  # decimal comma
    straddling = next(r for r in rows if r["local_start"] == "2026-03-10 01:30:00")
    assert straddling["tariff_period"] == "HP+HC"
    assert sum(_num(r["kwh"]) for r in rows) == pytest.approx(867.0)
    assert sum(_num(r["eur"]) for r in rows) == pytest.approx(210.904037, abs=2e-5)  # the month's energy €


def test_autumn_day_has_its_repeated_hour_twice(priced: str, tmp_path: Path) -> None:
    path, _ = _export(tmp_path, "--from", "2026-10-25", "--to", "2026-10-25", "--grain", "interval")
    rows = _french_csv(path)
    assert len(rows) == 50
    twice = [(r["local_start"][11:16], r["utc_offset"]) for r in rows if r["local_start"][11:13] == "02"]
    assert twice == [("02:00", "+02:00"), ("02:30", "+02:00"), ("02:00", "+01:00"), ("02:30", "+01:00")]
    assert rows[0]["kwh"] == "0.500000"  # decimal point unless asked


def test_day_xlsx_and_month_parquet_match_the_tables(priced: str, tmp_path: Path, db: psycopg.Connection) -> None:
    path, _ = _export(tmp_path, "--from", "2026-03-01", "--to", "2026-03-31", "--grain", "day", "--format", "xlsx")
    sheet = openpyxl.load_workbook(path).active
    header, *values = list(sheet.values)
    rows = [dict(zip(header, v, strict=True)) for v in values]
    assert len(rows) == 31 and rows[0]["local_date"].date() == date(2026, 3, 1)
    assert sum(r["total_eur"] for r in rows) == pytest.approx(241.904037, abs=1e-6)
    spring = next(r for r in rows if r["local_date"].date() == date(2026, 3, 29))
    assert (spring["kwh_HC"], spring["eur_HC"], spring["kwh"]) == (10.866667, 2.247227, 27.0)

    path, _ = _export(tmp_path, "--from", "2026-03-01", "--to", "2026-10-31", "--grain", "month", "--format", "parquet")
    frame = pq.read_table(path).to_pandas()
    assert frame["month"].tolist() == ["2026-03", "2026-10"]
    total = db.execute("SELECT sum(total_eur) FROM monthly_cost").fetchone()[0]
    assert Decimal(str(round(frame["total_eur"].sum(), 6))) == total
    assert frame.loc[0, "kwh_HP"] == pytest.approx(500.133323)


def test_parquet_intervals_keep_their_time_zone(priced: str, tmp_path: Path) -> None:
    path, _ = _export(tmp_path, "--from", "2026-10-25", "--to", "2026-10-25", "--grain", "interval",
                      "--format", "parquet")  # fmt: skip
    frame = pd.read_parquet(path)
    assert str(frame["local_start"].dt.tz) == "Europe/Paris" and str(frame["utc_start"].dt.tz) == "UTC"
    assert frame["local_start"].is_monotonic_increasing and len(frame) == 50


def test_bad_requests_are_refused(priced: str, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["export", "--building", "hand", "--from", "2026-03-31", "--to", "2026-03-01"])
    assert result.exit_code == 2 and "invalid to '2026-03-01': is before --from 2026-03-31" in result.output
    result = runner.invoke(main, ["export", "--building", "nope", "--from", "2026-03-01", "--to", "2026-03-02"])
    assert result.exit_code == 2 and "unknown building 'nope'" in result.output
    result = runner.invoke(main, ["export", "--building", "hand", "--from", "03/2026", "--to", "2026-03-02"])
    assert result.exit_code == 2 and "invalid from '03/2026'" in result.output
