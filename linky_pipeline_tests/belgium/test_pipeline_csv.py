"""After an import, the Dagster readings and daily_consumption assets build the month from the landed CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import dagster as dg
import psycopg

from linky_pipeline.defs.assets.aggregates import daily_consumption
from linky_pipeline.defs.assets.readings import readings
from linky_pipeline.lib.sources.catalog import provider
from linky_pipeline.lib.sync.csv_import import import_csv
from linky_pipeline_tests.support.belgian_files import FIXTURES

OCTOBER = date(2023, 10, 1)
REFERENCE = date(2026, 11, 23)  # three years later: imported files have no API horizon


def test_be_csv_meters_fetch_nothing_from_the_api() -> None:
    assert provider("be_csv").endpoints_for("consumption") == ()
    assert provider("be_csv").endpoints_for("production") == ()
    assert "consumption_load_curve" in provider("enedis").endpoints_for("consumption")


def test_readings_and_daily_consumption_from_an_imported_csv(
    db: psycopg.Connection, be_building: Callable[..., str], run_pipeline: Callable[..., dg.ExecuteInProcessResult]
) -> None:
    code = be_building()
    import_csv(db, code, FIXTURES / "fallback_2023-10_en.csv")
    db.commit()
    result = run_pipeline([code], OCTOBER, OCTOBER, reference=REFERENCE, assets=[readings, daily_consumption])
    assert result.success
    checks = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    assert checks == []  # days outside what the files cover are not gaps: nothing was expected there
    counts = db.execute(
        "SELECT m.direction, r.source, count(*), round(sum(r.kwh)::numeric, 3) FROM readings r "
        "JOIN meters m ON m.id = r.meter_pk GROUP BY 1, 2 ORDER BY 1"
    ).fetchall()
    assert [(d, s, n) for d, s, n, _ in counts] == [("consumption", "be-csv", 196), ("production", "be-csv", 196)]
    days = db.execute(
        "SELECT d.metric, d.day, d.source_used, d.interval_count, d.expected_count, d.completeness, d.curve_kwh "
        "FROM daily_consumption d WHERE d.day IN ('2023-10-28', '2023-10-29') ORDER BY 1, 2"
    ).fetchall()
    assert [row[:6] for row in days] == [
        ("consumption", date(2023, 10, 28), "curve", 96, 96, 1.0),
        ("consumption", date(2023, 10, 29), "curve", 100, 100, 1.0),
        ("production", date(2023, 10, 28), "curve", 96, 96, 1.0),
        ("production", date(2023, 10, 29), "curve", 100, 100, 1.0),
    ]
    assert days[2][6] == 1.2  # 24 quarter hours of 0.05 kWh injected (10:00-16:00)
    others = db.execute(
        "SELECT count(*) FROM daily_consumption WHERE day NOT IN ('2023-10-28', '2023-10-29')"
    ).fetchone()
    assert others == (0,)
