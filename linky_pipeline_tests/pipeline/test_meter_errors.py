"""A misconfigured meter is reported, not allowed to block every other building's data."""

from datetime import date

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.policy import SyncPolicy
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sync.run import sync_partitions
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET


def test_wrong_direction_meter_does_not_block_the_fleet(db, building, run_pipeline) -> None:
    building("good", ("22516914714270", "consumption"))
    building("bad", ("24880057139941", "consumption"))  # a production-only point registered as consumption
    result = run_pipeline(["bad", "good"], date(2026, 9, 1), date(2026, 9, 1))
    # "bad" lost its only meter: the run fails (issue 17 §3), but only at its end, after every table of "good"
    assert not result.success
    failed = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failed] == ["raw_load_curves_every_building_fetched"]
    assert "bad: meter 24880057139941 (consumption): WrongDirectionError" in str(failed[0].event_specific_data.error)
    check = next(c for c in result.get_asset_check_evaluations() if c.check_name == "every_meter_synced")
    assert not check.passed
    assert "bad/24880057139941" in check.metadata["meter_errors"].value
    assert "WrongDirectionError" in check.metadata["meter_errors"].value["bad/24880057139941"]
    assert db.execute("SELECT count(*) FROM readings").fetchone() == (30 * 48,)
    assert db.execute("SELECT count(*) FROM monthly_consumption WHERE building_code = 'good'").fetchone() == (1,)
    # nothing was recorded as fetched for the bad meter, so a corrected registration is fetched next time
    assert db.execute(
        "SELECT count(*) FROM fetch_state f JOIN meters m ON m.id = f.meter_pk WHERE m.building_code = 'bad'"
    ).fetchone() == (0,)


def test_activation_found_mid_backfill_marks_earlier_months_before_activation(db, building, pg_url, sandbox) -> None:
    """Lib level: the partitions start in 2023, the sandbox's late meter was activated in 2019."""
    reference = date(2020, 6, 1)
    sandbox.settings.update({"today": reference.isoformat()})
    building("late", ("11453290002823", "consumption"))  # activated 2019-08-27
    api = EnedisClient(sandbox.url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, today=lambda: reference)
    months = [BuildingMonth("late", date(2019, m, 1), "Europe/Paris") for m in (6, 7, 8, 9)]
    policy = SyncPolicy(reference, trailing_days=7, max_concurrency=2)
    summary = sync_partitions(lambda: psycopg.connect(pg_url), {"enedis": api}, months, policy, actor="test")
    assert not summary.failures and not summary.meter_errors
    db.rollback()
    statuses = dict(
        db.execute(
            "SELECT status, count(*) FROM fetch_state WHERE endpoint = 'daily_consumption' AND day < '2019-08-27' "
            "GROUP BY 1"
        ).fetchall()
    )
    assert set(statuses) == {"before_activation"}
    assert db.execute("SELECT activation_date FROM meters").fetchone() == (date(2019, 8, 27),)
