"""Review finding: re-running an old month after the API horizons moved must not drop or rewrite its daily rows."""

from datetime import date

from linky_pipeline_tests.support.pipeline import REFERENCE, checksums

DAILY_EDGE = date(2023, 11, 1)  # REFERENCE's 36-month daily horizon falls inside this month
CURVE_EDGE = date(2024, 11, 1)  # REFERENCE's 24-month curve horizon falls inside this month
LATER = date(2026, 12, 20)  # both horizons have moved past these months by then


def test_rerun_after_the_horizon_moved_is_identical(db, building, run_pipeline) -> None:
    building("normal", ("22516914714270", "consumption"))
    for month in (DAILY_EDGE, CURVE_EDGE):
        assert run_pipeline(["normal"], month, month, reference=REFERENCE).success
    days = db.execute("SELECT count(*), sum(expected_count) FROM daily_consumption WHERE day < '2023-12-01'")
    assert days.fetchone() == (22, 0)  # daily-only month: 22 days from the horizon, no curve expected
    curve_expected = db.execute("SELECT sum(expected_count) FROM daily_consumption WHERE day >= '2024-11-01'")
    assert curve_expected.fetchone()[0] > 0
    before = checksums(db)
    for month in (DAILY_EDGE, CURVE_EDGE):
        again = run_pipeline(["normal"], month, month, reference=LATER)
        assert again.success, [e.message for e in again.all_events if e.is_failure]
    assert checksums(db) == before
