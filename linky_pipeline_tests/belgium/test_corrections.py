"""A late corrected export (the Walloon case) replaces one interval: only its day is rewritten, the revision is
recorded with the answer that brought it, and the day's and month's totals follow; an unchanged rebuild writes
nothing at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import dagster as dg
import psycopg

from linky_pipeline.defs.assets.aggregates import daily_consumption, monthly_consumption
from linky_pipeline.defs.assets.readings import readings
from linky_pipeline.lib.sync.csv_import import import_csv
from linky_pipeline_tests.support.belgian_files import FIXTURES, fixture_text

OCTOBER = date(2023, 10, 1)
REFERENCE = date(2026, 11, 23)
ASSETS = [readings, daily_consumption, monthly_consumption]
CORRECTED = '29/10/2023;14:00:00;29/10/2023;14:15:00;="541448820052377134";1SAG1100000001;Digital meter;Offtake Day;'


def _readings_metadata(result: dg.ExecuteInProcessResult) -> dict[str, object]:
    mat = next(
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key.to_user_string() == "readings"
    )
    return {k: v.value for k, v in mat.metadata.items()}


def _day_versions(db: psycopg.Connection) -> dict[tuple[str, date], str]:
    rows = db.execute("SELECT metric, day, xmin::text FROM reading_days").fetchall()
    db.rollback()
    return {(metric, day): xmin for metric, day, xmin in rows}


def test_a_correction_rewrites_its_day_only_and_is_traceable(
    db: psycopg.Connection, be_building: Callable[..., str], run_pipeline: Callable[..., dg.ExecuteInProcessResult]
) -> None:
    code = be_building()
    import_csv(db, code, FIXTURES / "fallback_2023-10_en.csv")
    db.commit()
    assert run_pipeline([code], OCTOBER, OCTOBER, reference=REFERENCE, assets=ASSETS).success
    before = _day_versions(db)
    daily_before = dict(db.execute("SELECT day, curve_kwh FROM daily_consumption WHERE metric = 'consumption'"))
    month_before = db.execute("SELECT total_kwh FROM monthly_consumption WHERE metric = 'consumption'").fetchone()
    db.rollback()

    again = run_pipeline([code], OCTOBER, OCTOBER, reference=REFERENCE, assets=ASSETS)
    assert again.success
    meta = _readings_metadata(again)
    assert (meta["rows_written"], meta["days_written"], meta["revised_intervals"]) == (0, 0, 0)
    assert meta["days_unchanged"] == len(before) == 4
    assert _day_versions(db) == before  # not one row rewritten

    header, line = fixture_text("fallback_2023-10_en.csv").splitlines()[0], f"{CORRECTED}0,456;kWh;Read;"
    import_csv(db, code, f"{header}\n{line}\n", ean="541448820052377134")
    db.commit()
    landed = db.execute(
        "SELECT r.payload_sha256, r.fetched_at FROM raw_load_curves r JOIN meters m ON m.id = r.meter_pk "
        "WHERE m.direction = 'consumption'"
    ).fetchone()
    result = run_pipeline([code], OCTOBER, OCTOBER, reference=REFERENCE, assets=ASSETS)
    assert result.success
    meta = _readings_metadata(result)
    assert (meta["days_written"], meta["days_unchanged"], meta["revised_intervals"]) == (1, 3, 1)
    after = _day_versions(db)
    assert [key for key in before if after[key] != before[key]] == [("consumption", date(2023, 10, 29))]

    revision = db.execute(
        "SELECT ts, old_kwh, new_kwh, old_interval_s, new_interval_s, raw_endpoint, raw_window_start, raw_sha256, "
        "raw_fetched_at FROM reading_revisions"
    ).fetchall()
    assert revision == [
        (datetime(2023, 10, 29, 13, 0, tzinfo=UTC), 0.156, 0.456, 900, 900, "quarter_hour_csv", OCTOBER, *landed)
    ]
    assert db.execute(
        "SELECT kwh FROM readings WHERE day = '2023-10-29' AND ts = '2023-10-29T13:00Z' AND metric = 'consumption'"
    ).fetchone() == (0.456,)
    daily_after = dict(db.execute("SELECT day, curve_kwh FROM daily_consumption WHERE metric = 'consumption'"))
    assert round(daily_after[date(2023, 10, 29)] - daily_before[date(2023, 10, 29)], 9) == 0.3
    assert daily_after[date(2023, 10, 28)] == daily_before[date(2023, 10, 28)]
    month_after = db.execute("SELECT total_kwh FROM monthly_consumption WHERE metric = 'consumption'").fetchone()
    assert month_before is not None and month_after is not None
    assert round(month_after[0] - month_before[0], 9) == 0.3
