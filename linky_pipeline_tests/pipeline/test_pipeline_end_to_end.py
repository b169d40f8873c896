"""Materialize the pipeline against the sandbox and the real warehouse: right counts, idempotent, late data."""

from datetime import date

from linky_pipeline.lib.domain.localtime import PARIS, days_in_range, expected_intervals
from linky_pipeline_tests.conftest import truncate_all
from linky_pipeline_tests.support.pipeline import checksums


def test_dst_months_load_every_interval_and_rerun_is_identical(db, building, run_pipeline) -> None:
    building("normal", ("22516914714270", "consumption"))
    result = run_pipeline(["normal"], date(2026, 3, 1), date(2026, 3, 1))
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    expected = sum(expected_intervals(d, PARIS) for d in days_in_range(date(2026, 3, 1), date(2026, 4, 1)))
    assert expected == 31 * 48 - 2
    assert db.execute("SELECT count(*), count(DISTINCT ts) FROM readings").fetchone() == (expected, expected)
    spring = db.execute(
        "SELECT interval_count, expected_count, completeness, source_used FROM daily_consumption "
        "WHERE day = '2026-03-29'"
    ).fetchone()
    assert spring == (46, 46, 1.0, "official")
    worst = db.execute("SELECT max(abs(curve_kwh - official_kwh) / official_kwh) FROM daily_consumption").fetchone()[0]
    assert worst < 0.01
    month = db.execute("SELECT days_with_data, days_in_month, interval_count FROM monthly_consumption").fetchone()
    assert month == (31, 31, expected)
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks["no_negative_kwh"] and checks["curve_matches_official_daily_energy"]
    before = checksums(db)
    again = run_pipeline(["normal"], date(2026, 3, 1), date(2026, 3, 1))
    assert again.success
    assert checksums(db) == before


def test_autumn_day_has_fifty_half_hours(db, building, run_pipeline) -> None:
    building("normal", ("22516914714270", "consumption"))
    assert run_pipeline(["normal"], date(2026, 10, 1), date(2026, 10, 1)).success
    autumn = db.execute(
        "SELECT interval_count, expected_count, completeness FROM daily_consumption WHERE day = '2026-10-25'"
    ).fetchone()
    assert autumn == (50, 50, 1.0)


def test_month_over_month_follows_an_earlier_month_rerun_later(db, building, run_pipeline) -> None:
    building("normal", ("22516914714270", "consumption"))
    assert run_pipeline(["normal"], date(2026, 10, 1), date(2026, 10, 1)).success
    assert db.execute("SELECT mom_change_pct FROM monthly_consumption WHERE month = '2026-10-01'").fetchone() == (
        None,
    )  # September is not loaded yet
    db.rollback()
    assert run_pipeline(["normal"], date(2026, 9, 1), date(2026, 9, 1)).success
    sep, oct_ = (r[0] for r in db.execute("SELECT total_kwh FROM monthly_consumption ORDER BY month").fetchall())
    mom = db.execute("SELECT mom_change_pct FROM monthly_consumption WHERE month = '2026-10-01'").fetchone()[0]
    assert mom == 100 * (oct_ / sep - 1)  # full precision: rounding is for display


def test_unpinned_run_uses_its_creation_date_in_every_step(db, building, run_pipeline, sandbox) -> None:
    from linky_pipeline.lib.domain.localtime import today_in

    sandbox.settings.update({"today": None})  # the real date, like production
    building("normal", ("22516914714270", "consumption"))
    result = run_pipeline(["normal"], date(2026, 10, 1), date(2026, 10, 1), pin_today=False)
    assert result.success
    mat = next(
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key.to_user_string() == "raw_load_curves"
    )
    assert mat.metadata["reference_date"].value == today_in(PARIS).isoformat()  # the run was created just now


def test_interval_change_mid_month_keeps_days_complete(db, building, run_pipeline) -> None:
    building("change", ("63695879465986", "consumption"))  # PT60M until 2025-06-15, then PT30M
    assert run_pipeline(["change"], date(2025, 6, 1), date(2025, 6, 1)).success
    rows = {
        d: (n, e, c)
        for d, n, e, c in db.execute(
            "SELECT day, interval_count, expected_count, completeness FROM daily_consumption"
        ).fetchall()
    }
    assert rows[date(2025, 6, 10)] == (24, 24, 1.0)
    assert rows[date(2025, 6, 20)] == (48, 48, 1.0)
    assert all(c == 1.0 for _, _, c in rows.values())
    covered = db.execute("SELECT sum(interval_s) FROM readings").fetchone()[0]
    assert covered == 30 * 86400  # June has no DST change: every second of the month, once


def test_a_run_leaves_no_connection_open(db, building, run_pipeline) -> None:
    building("normal", ("22516914714270", "consumption"))
    assert run_pipeline(["normal"], date(2026, 11, 1), date(2026, 11, 1)).success
    others = db.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'"  # not the server's own workers (TimescaleDB's job scheduler)
    ).fetchone()[0]
    assert others == 0  # the quota limiter's and every asset's connections were closed


def test_legacy_v5_mode_lands_the_same_energy_as_the_2026_default(db, building, run_pipeline) -> None:
    building("normal", ("22516914714270", "consumption"))
    query = (
        "SELECT r.ts, r.interval_s, r.kwh, d.official_kwh FROM readings r "
        "JOIN daily_consumption d ON d.meter_pk = r.meter_pk AND d.day = (r.ts AT TIME ZONE 'Europe/Paris')::date "
        "ORDER BY r.ts"
    )
    assert run_pipeline(["normal"], date(2026, 10, 1), date(2026, 10, 1)).success
    v2 = db.execute(query).fetchall()
    assert db.execute("SELECT DISTINCT api_version FROM raw_load_curves").fetchall() == [("2026-v2",)]
    db.rollback()
    truncate_all(db.info.dsn)
    building("normal", ("22516914714270", "consumption"))
    assert run_pipeline(["normal"], date(2026, 10, 1), date(2026, 10, 1), api_mode="v5").success
    assert db.execute("SELECT DISTINCT api_version FROM raw_load_curves").fetchall() == [("v5",)]
    assert db.execute(query).fetchall() == v2 and len(v2) == 31 * 48 + 2
