"""The nightly schedule: one run covering every active building, correct on both DST nights."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._utils.schedules import cron_string_iterator

from linky_pipeline.defs.automation.runs import RANGE_END_TAG, RANGE_START_TAG
from linky_pipeline.defs.automation.schedules import late_data_catch_up, nightly_sync, sync_months
from linky_pipeline.defs.resources.definitions import WarehouseResource

BRUSSELS = ZoneInfo("Europe/Brussels")


def test_cron_fires_once_per_local_day_across_both_dst_nights() -> None:
    start = datetime(2026, 3, 27, 12, tzinfo=BRUSSELS).timestamp()
    ticks = cron_string_iterator(start, "0 2 * * *", "Europe/Brussels")
    spring = [next(ticks) for _ in range(4)]
    assert [t.date() for t in spring] == [date(2026, 3, d) for d in (28, 29, 30, 31)]
    assert spring[1].hour == 3  # 02:00 does not exist on 29 March: Dagster fires at 03:00
    ticks = cron_string_iterator(
        datetime(2026, 10, 23, 12, tzinfo=BRUSSELS).timestamp(), "0 2 * * *", "Europe/Brussels"
    )
    autumn = [next(ticks) for _ in range(4)]
    assert [t.date() for t in autumn] == [date(2026, 10, d) for d in (24, 25, 26, 27)]
    assert autumn[1].utcoffset().total_seconds() == 3600  # the second 02:00 (winter time)


@pytest.mark.parametrize(
    ("scheduled", "reference", "months"),
    [
        (datetime(2026, 3, 29, 3, 0, tzinfo=BRUSSELS), "2026-03-29", ("2026-03-01", "2026-03-01")),
        (datetime(2026, 10, 25, 2, 0, fold=1, tzinfo=BRUSSELS), "2026-10-25", ("2026-10-01", "2026-10-01")),
        (datetime(2026, 11, 3, 2, 0, tzinfo=BRUSSELS), "2026-11-03", ("2026-10-01", "2026-11-01")),
        (datetime(2026, 1, 1, 1, 0, tzinfo=UTC), "2026-01-01", ("2025-12-01", "2026-01-01")),
    ],
)
def test_nightly_requests_one_run_for_all_active_buildings(db, building, pg_url, scheduled, reference, months) -> None:
    building("alpha", ("22516914714270", "consumption"))
    building("bravo")  # no meter: not synced, but inside the rectangle it costs nothing
    building("charlie", ("42900589957123", "consumption"))
    building("delta")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("building", ["alpha", "bravo", "charlie", "delta"])
        # `with`: the context opens its own instance from the ref and must close it (it sets a context variable)
        with dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=scheduled,
            resources={"warehouse": WarehouseResource(database_url=pg_url)},
        ) as context:
            requests = nightly_sync(context)
    assert isinstance(requests, list) and len(requests) == 1  # no gap due again: the nightly run alone
    request = requests[0]
    assert request.tags["linky/reference_date"] == reference
    assert request.tags["linky/mode"] == "nightly"
    assert request.tags[RANGE_START_TAG] == f"alpha|{months[0]}"
    assert request.tags[RANGE_END_TAG] == f"charlie|{months[1]}"
    assert request.run_key == f"nightly:{reference}"


def test_nothing_to_sync_is_a_skip(db, pg_url) -> None:
    with (
        dg.instance_for_test() as instance,
        dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=datetime(2026, 5, 5, 2, tzinfo=BRUSSELS),
            resources={"warehouse": WarehouseResource(database_url=pg_url)},
        ) as context,
    ):
        assert isinstance(late_data_catch_up(context), dg.SkipReason)


def test_previous_month_only_in_the_first_week() -> None:
    assert sync_months(date(2026, 12, 7)) == (date(2026, 11, 1), date(2026, 12, 1))
    assert sync_months(date(2026, 12, 8)) == (date(2026, 12, 1), date(2026, 12, 1))


def test_gaps_due_again_in_older_months_get_one_run_per_building(db, building, pg_url) -> None:
    """A gap is never final by age (issue 17 §2): the nightly schedule also asks for the older months whose gaps
    are due again, one run per building, not a rectangle over the whole fleet."""
    building("alpha", ("22516914714270", "consumption"))
    building("bravo", ("42900589957123", "consumption"))
    building("charlie", ("12345678901234", "consumption"))
    states = [  # (building's meter, day, status, final, next attempt)
        ("22516914714270", "2026-03-10", "no_data", False, "2026-11-04"),  # due
        ("22516914714270", "2026-06-02", "partial", False, "2026-11-01"),  # due
        ("42900589957123", "2026-05-05", "no_data", False, "2026-11-20"),  # not due yet
        ("12345678901234", "2026-04-01", "no_data", True, None),  # given up
        ("12345678901234", "2026-11-02", "no_data", False, "2026-11-05"),  # in the nightly's months already
    ]
    for prm, day, status, final, next_attempt in states:
        db.execute(
            "INSERT INTO fetch_state (meter_pk, endpoint, day, status, points, is_final, fetched_at, attempts, "
            "next_attempt, first_fetched_at, gave_up) SELECT id, 'consumption_load_curve', %s, %s, 0, %s, now(), 2, "
            "%s, now(), CASE WHEN %s THEN 'given up' END FROM meters WHERE meter_id = %s",
            (day, status, final, next_attempt, final, prm),
        )
    db.commit()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("building", ["alpha", "bravo", "charlie"])
        with dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=datetime(2026, 11, 5, 2, tzinfo=BRUSSELS),
            resources={"warehouse": WarehouseResource(database_url=pg_url)},
        ) as context:
            requests = nightly_sync(context)
    assert isinstance(requests, list)
    nightly, *gaps = requests
    assert nightly.tags[RANGE_START_TAG] == "alpha|2026-10-01" and nightly.tags[RANGE_END_TAG] == "charlie|2026-11-01"
    assert [(r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG], r.tags["linky/trigger"]) for r in gaps] == [
        ("alpha|2026-03-01", "alpha|2026-06-01", "nightly-gaps")
    ]
    assert gaps[0].tags["linky/mode"] == "nightly" and gaps[0].run_key == "nightly-gaps:alpha:2026-11-05"
