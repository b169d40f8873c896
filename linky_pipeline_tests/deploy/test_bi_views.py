"""The bi views on a real PostgreSQL: documented, leak-free, and computing the comparisons BI tools chart."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import psycopg
import pytest

from linky_pipeline_tests.support.bi_data import PARIS, BiData, add_months

FORBIDDEN_TABLES = {"meter_credentials", "oauth_states", "api_rate_limits"}
ALLOWED_BASE_TABLES = {
    "buildings",
    "meters",
    "daily_consumption",
    "monthly_consumption",
    "daily_max_power",
    "consumption_anomalies",
    "daily_cost",
    "daily_cost_periods",
    "monthly_cost",
    "usage_alerts",
}
EXPECTED_VIEWS = {
    "buildings",
    "meters",
    "daily_consumption",
    "daily_consumption_by_building",
    "monthly_consumption",
    "monthly_consumption_by_building",
    "daily_max_power",
    "anomalies",
    "anomaly_counts_daily",
    "daily_cost",
    "daily_cost_periods",
    "monthly_cost",
    "usage_alerts",
}


def _bi_views(db: psycopg.Connection) -> set[str]:
    return {
        r[0]
        for r in db.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'bi' AND c.relkind IN ('v', 'm', 'r')"
        ).fetchall()
    }


def test_every_view_and_column_is_commented(db: psycopg.Connection) -> None:
    assert _bi_views(db) == EXPECTED_VIEWS
    uncommented_views = db.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'bi' AND coalesce(obj_description(c.oid, 'pg_class'), '') = ''"
    ).fetchall()
    assert uncommented_views == []
    columns = db.execute(
        "SELECT c.relname, a.attname, col_description(c.oid, a.attnum) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'bi' AND a.attnum > 0 AND NOT a.attisdropped"
    ).fetchall()
    assert len(columns) > 100
    assert [(v, c) for v, c, text in columns if not (text or "").strip()] == []
    assert db.execute("SELECT obj_description('bi'::regnamespace, 'pg_namespace')").fetchone()[0]


def test_views_read_only_aggregate_tables_never_secrets(db: psycopg.Connection) -> None:
    used = {
        r[0]
        for r in db.execute(
            "SELECT DISTINCT table_name FROM information_schema.view_table_usage "
            "WHERE view_schema = 'bi' AND table_schema = 'public'"
        ).fetchall()
    }
    assert used == ALLOWED_BASE_TABLES
    assert not used & FORBIDDEN_TABLES
    # Transitively too: walk the rewrite-rule dependencies of every bi view down to base relations.
    reached = {
        r[0]
        for r in db.execute(
            """
        WITH RECURSIVE deps(oid) AS (
            SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'bi'
            UNION
            SELECT d.refobjid FROM deps JOIN pg_rewrite r ON r.ev_class = deps.oid
            JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass
                             AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> deps.oid
        )
        SELECT c.relname FROM deps JOIN pg_class c ON c.oid = deps.oid"""
        ).fetchall()
    }
    assert not reached & FORBIDDEN_TABLES
    assert reached >= ALLOWED_BASE_TABLES
    suspicious = db.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'bi' AND "
        "column_name ~ '(token|secret|cipher|password|key_id|nonce)'"
    ).fetchall()
    assert suspicious == []


def test_daily_views_keys_and_building_sums(db: psycopg.Connection, bi_data: BiData) -> None:
    day = max(d for (label, d) in bi_data.daily if label == "hq_cons")
    rows = db.execute(
        "SELECT metric, total_kwh, meter_count, month, month_key, day_start FROM bi.daily_consumption_by_building "
        "WHERE building_code = 'hq' AND day = %s ORDER BY metric",
        (day,),
    ).fetchall()
    assert [r[0] for r in rows] == ["consumption", "production"]
    assert rows[0][1] == pytest.approx(bi_data.daily[("hq_cons", day)])
    assert rows[1][1] == pytest.approx(bi_data.daily[("hq_prod", day)])
    assert rows[0][2] == 1
    assert rows[0][3] == day.replace(day=1)
    assert rows[0][4] == f"{day:%Y-%m}"
    assert rows[0][5] == datetime.combine(day, time(0), tzinfo=PARIS)
    gap = db.execute(
        "SELECT curve_vs_official_pct FROM bi.daily_consumption WHERE meter_pk = %s AND day = %s",
        (bi_data.meters["hq_cons"], day),
    ).fetchone()
    assert gap[0] == pytest.approx(2.0)


def test_day_start_is_local_midnight_across_dst(db: psycopg.Connection, bi_data: BiData) -> None:
    pk = bi_data.meters["hq_cons"]
    for day in (date(2024, 3, 31), date(2024, 4, 1), date(2024, 10, 27)):
        db.execute(
            "INSERT INTO daily_consumption (building_code, meter_pk, metric, day, total_kwh, source_used, "
            "interval_count, expected_count, completeness) VALUES ('hq', %s, 'consumption', %s, 1, 'curve', 46, 46, 1)",
            (pk, day),
        )
    starts = dict(
        db.execute(
            "SELECT day, day_start FROM bi.daily_consumption WHERE meter_pk = %s AND day < '2025-01-01' ORDER BY day",
            (pk,),
        ).fetchall()
    )
    assert starts[date(2024, 3, 31)] == datetime(2024, 3, 30, 23, tzinfo=UTC)  # CET midnight, 23-hour day
    assert starts[date(2024, 4, 1)] == datetime(2024, 3, 31, 22, tzinfo=UTC)  # CEST midnight
    assert starts[date(2024, 10, 27)] == datetime(2024, 10, 26, 22, tzinfo=UTC)  # CEST midnight, 25-hour day


def _pct(new: float, old: float) -> float:
    return 100 * (new - old) / old


def test_monthly_mom_and_yoy_per_meter(db: psycopg.Connection, bi_data: BiData) -> None:
    pk = bi_data.meters["depot_cons"]
    rows = {
        r[0]: r[1:]
        for r in db.execute(
            "SELECT month, total_kwh, previous_month_kwh, mom_change_kwh, mom_change_pct, same_month_last_year_kwh, "
            "yoy_change_pct, month_key FROM bi.monthly_consumption WHERE meter_pk = %s",
            (pk,),
        ).fetchall()
    }
    current, previous = bi_data.current_month, add_months(bi_data.current_month, -1)
    last_year = add_months(current, -12)
    total = bi_data.monthly[("depot_cons", current)]
    prev = bi_data.monthly[("depot_cons", previous)]
    year_ago = bi_data.monthly[("depot_cons", last_year)]
    assert rows[current][0] == pytest.approx(total)
    assert rows[current][1] == pytest.approx(prev)
    assert rows[current][2] == pytest.approx(total - prev)
    assert rows[current][3] == pytest.approx(_pct(total, prev))
    assert rows[current][4] == pytest.approx(year_ago)
    assert rows[current][5] == pytest.approx(_pct(total, year_ago))
    assert rows[current][6] == f"{current:%Y-%m}"
    oldest = add_months(current, -13)
    assert rows[oldest][1] is None and rows[oldest][3] is None and rows[oldest][4] is None


def test_missing_month_gives_null_not_an_older_month(db: psycopg.Connection, bi_data: BiData) -> None:
    pk = bi_data.meters["hq_cons"]
    after_gap = add_months(bi_data.gap_month, 1)
    row = db.execute(
        "SELECT previous_month_kwh, mom_change_pct FROM bi.monthly_consumption WHERE meter_pk = %s AND month = %s",
        (pk, after_gap),
    ).fetchone()
    assert row == (None, None)
    before = db.execute(
        "SELECT count(*) FROM bi.monthly_consumption WHERE meter_pk = %s AND month = %s", (pk, bi_data.gap_month)
    ).fetchone()
    assert before == (0,)


def test_monthly_by_building_sums_meters_and_compares(db: psycopg.Connection, bi_data: BiData) -> None:
    current, previous = bi_data.current_month, add_months(bi_data.current_month, -1)
    row = db.execute(
        "SELECT total_kwh, meter_count, previous_month_kwh, mom_change_pct, yoy_change_pct, completeness "
        "FROM bi.monthly_consumption_by_building WHERE building_code = 'hq' AND metric = 'consumption' "
        "AND month = %s",
        (current,),
    ).fetchone()
    total, prev = bi_data.monthly[("hq_cons", current)], bi_data.monthly[("hq_cons", previous)]
    year_ago = bi_data.monthly[("hq_cons", add_months(current, -12))]
    assert row[0] == pytest.approx(total)
    assert row[1] == 1
    assert row[2] == pytest.approx(prev)
    assert row[3] == pytest.approx(_pct(total, prev))
    assert row[4] == pytest.approx(_pct(total, year_ago))
    assert row[5] == pytest.approx(1.0)
    # production is its own series, never summed with consumption
    prod = db.execute(
        "SELECT total_kwh FROM bi.monthly_consumption_by_building WHERE building_code = 'hq' "
        "AND metric = 'production' AND month = %s",
        (current,),
    ).fetchone()
    assert prod[0] == pytest.approx(bi_data.monthly[("hq_prod", current)])


def test_anomaly_views_count_by_severity(db: psycopg.Connection, bi_data: BiData) -> None:
    counts = db.execute(
        "SELECT building_code, anomaly_count, minor_count, major_count, critical_count "
        "FROM bi.anomaly_counts_daily ORDER BY building_code"
    ).fetchall()
    assert counts == [("depot-bxl", 1, 0, 0, 1), ("hq", 2, 1, 1, 0)]
    ranks = dict(db.execute("SELECT anomaly_id, severity_rank FROM bi.anomalies").fetchall())
    order = {"Minor": 1, "Major": 2, "Critical": 3}
    assert ranks == {aid: order[sev] for aid, sev in bi_data.anomalies.items()}
    local = db.execute(
        "SELECT ts_local::time, meter_ref FROM bi.anomalies WHERE building_code = 'depot-bxl'"
    ).fetchone()
    assert str(local[0]) == "00:00:00"
    assert len(local[1]) == 18


def test_max_power_and_meter_labels(db: psycopg.Connection, bi_data: BiData) -> None:
    row = db.execute(
        "SELECT max_power_va, max_power_kva, peak_at_local::time FROM bi.daily_max_power "
        "WHERE meter_pk = %s ORDER BY day DESC LIMIT 1",
        (bi_data.meters["depot_cons"],),
    ).fetchone()
    assert row[1] == pytest.approx(row[0] / 1000)
    assert str(row[2]) == "19:30:00"
    meters = db.execute("SELECT meter_ref_type, count(*) FROM bi.meters GROUP BY 1 ORDER BY 1").fetchall()
    assert meters == [("EAN", 1), ("PRM", 2)]
    buildings = db.execute(
        "SELECT building_code, meter_count, active_meter_count FROM bi.buildings ORDER BY 1"
    ).fetchall()
    assert buildings == [("depot-bxl", 1, 1), ("hq", 2, 2)]
