"""The nightly service level: every active meter at most 30 h behind what the provider has published, checked by
the 09:00 freshness job; a missed night fails it and names the meter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import psycopg
import pytest

from linky_pipeline.definitions import defs
from linky_pipeline.lib.tables.freshness import published_end

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("local_now", "published_until"),
    [
        ("2026-11-23T07:59", "2026-11-22T00:00"),  # before 08:00: D-2 is the latest published day
        ("2026-11-23T08:00", "2026-11-23T00:00"),  # from 08:00: D-1
        ("2026-03-30T09:00", "2026-03-30T00:00"),  # after the spring change: a 23-hour day ended at local midnight
    ],
)
def test_published_edge_follows_the_0800_publication(local_now: str, published_until: str) -> None:
    now = datetime.fromisoformat(local_now).replace(tzinfo=PARIS)
    expected = datetime.fromisoformat(published_until).replace(tzinfo=PARIS).astimezone(UTC)
    assert published_end(now, PARIS) == expected


def _load_until(db: psycopg.Connection, meter_pk: int, end: datetime) -> None:
    for i in range(1, 4):
        db.execute(
            "INSERT INTO readings (meter_pk, metric, ts, interval_s, kwh, quality, source) "
            "VALUES (%s, 'consumption', %s, 1800, 0.2, 'measured', 'enedis-v5')",
            (meter_pk, end - timedelta(minutes=30 * i)),
        )
    db.commit()


def _run_check(pg_url: str) -> dg.AssetCheckEvaluation:
    job = defs().resolve_job_def("readings_freshness_check")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def test_a_missed_night_fails_the_check_and_names_the_meter(db, building, warehouse_env) -> None:
    building("fresh", ("22516914714270", "consumption"))
    building("late", ("42900589957123", "consumption"))
    meters = dict(db.execute("SELECT building_code, id FROM meters").fetchall())
    edge = published_end(datetime.now(UTC), PARIS)
    _load_until(db, meters["fresh"], edge - timedelta(hours=24))  # one day behind: the 02:00 run's design
    _load_until(db, meters["late"], edge - timedelta(hours=48))  # the last night did not load it
    failed = _run_check(warehouse_env)
    assert not failed.passed
    late = failed.metadata["late"].value
    assert [(m["building"], m["lag_hours"]) for m in late] == [("late", 48.0)]
    db.execute("DELETE FROM readings WHERE meter_pk = %s", (meters["late"],))
    _load_until(db, meters["late"], edge - timedelta(hours=24))
    assert _run_check(warehouse_env).passed
