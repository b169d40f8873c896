"""What the UI shows for one building-month is that building-month's own numbers: every asset's partition
metadata is compared with a SQL query over the same building-month, and checks keep a status per partition."""

from __future__ import annotations

from datetime import date
from typing import Any

import dagster as dg
import psycopg
from dagster._core.definitions.asset_checks.asset_check_spec import AssetCheckKey
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from linky_pipeline.defs.partitions import partition_key
from linky_pipeline.lib.domain.registry import get_building

MONTHS = [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]
BUILDINGS = ["holes", "normal"]


def _metadata(instance: dg.DagsterInstance, asset: str, building: str, month: date) -> dict[str, Any]:
    key = str(partition_key(building, month))
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[key]), limit=1
    ).records
    assert records, f"{asset} {key} was not materialized"
    mat = records[0].asset_materialization
    assert mat is not None
    return {k: v.value for k, v in mat.metadata.items()}


def _one(db: psycopg.Connection, query: str, params: dict[str, Any]) -> Any:
    row = db.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def _sql_truth(db: psycopg.Connection, building: str, month: date) -> dict[str, dict[str, Any]]:
    bm = get_building(db, building).month(month)
    p = {"b": building, "m0": bm.month, "m1": bm.next_month, "t0": bm.utc_start, "t1": bm.utc_end}
    meters = "SELECT id FROM meters WHERE building_code = %(b)s"
    return {
        "raw_load_curves": {
            "windows_landed": _one(
                db,
                f"SELECT count(*) FROM raw_load_curves WHERE meter_pk IN ({meters}) "
                "AND window_start >= %(m0)s AND window_start < %(m1)s",
                p,
            ),
            "days_requested": _one(
                db,
                f"SELECT count(*) FROM fetch_state WHERE meter_pk IN ({meters}) AND day >= %(m0)s AND day < %(m1)s",
                p,
            ),
            "gaps": _one(
                db,
                f"SELECT count(*) FROM fetch_state WHERE meter_pk IN ({meters}) AND day >= %(m0)s AND day < %(m1)s "
                "AND status = 'no_data'",
                p,
            ),
        },
        "readings": {
            "dagster/partition_row_count": _one(
                db, f"SELECT count(*) FROM readings WHERE meter_pk IN ({meters}) AND ts >= %(t0)s AND ts < %(t1)s", p
            ),
        },
        "daily_consumption": {
            "dagster/partition_row_count": _one(
                db,
                "SELECT count(*) FROM daily_consumption WHERE building_code = %(b)s AND day >= %(m0)s AND day < %(m1)s",
                p,
            ),
            "gaps": _one(
                db,
                "SELECT count(*) FROM daily_consumption WHERE building_code = %(b)s AND day >= %(m0)s "
                "AND day < %(m1)s AND source_used = 'none'",
                p,
            ),
            "incomplete_days": _one(
                db,
                "SELECT count(*) FROM daily_consumption WHERE building_code = %(b)s AND day >= %(m0)s "
                "AND day < %(m1)s AND completeness < 1",
                p,
            ),
            "kwh": round(
                _one(
                    db,
                    "SELECT coalesce(sum(total_kwh), 0) FROM daily_consumption WHERE building_code = %(b)s "
                    "AND day >= %(m0)s AND day < %(m1)s",
                    p,
                ),
                3,
            ),
        },
        "daily_max_power": {
            "dagster/partition_row_count": _one(
                db,
                "SELECT count(*) FROM daily_max_power WHERE building_code = %(b)s AND day >= %(m0)s AND day < %(m1)s",
                p,
            ),
        },
        "monthly_consumption": {
            "dagster/partition_row_count": _one(
                db, "SELECT count(*) FROM monthly_consumption WHERE building_code = %(b)s AND month = %(m0)s", p
            ),
            "kwh": round(
                _one(
                    db,
                    "SELECT coalesce(sum(total_kwh), 0) FROM monthly_consumption WHERE building_code = %(b)s "
                    "AND month = %(m0)s",
                    p,
                ),
                3,
            ),
        },
        "consumption_anomalies": {
            "anomalies": _one(
                db,
                "SELECT count(*) FROM consumption_anomalies WHERE building_code = %(b)s AND local_day >= %(m0)s "
                "AND local_day < %(m1)s",
                p,
            ),
        },
    }


def test_each_partition_shows_what_sql_says_about_that_building_month(db, building, run_pipeline) -> None:
    building("holes", ("42900589957123", "consumption"))
    building("normal", ("22516914714270", "consumption"))
    instance = dg.DagsterInstance.ephemeral()
    result = run_pipeline(BUILDINGS, MONTHS[0], MONTHS[-1], instance=instance)
    assert result.is_node_success("readings")
    run = instance.get_run_by_id(result.run_id)
    assert run is not None  # the runs list says which buildings and months, whoever launched the run
    assert (run.tags["linky/buildings"], run.tags["linky/months"]) == ("2 buildings: holes..normal", "2026-07..2026-09")
    seen: dict[str, set[Any]] = {}
    for code in BUILDINGS:
        for month in MONTHS:
            truth = _sql_truth(db, code, month)
            for asset, expected in truth.items():
                shown = _metadata(instance, asset, code, month)
                assert shown["building"] == code and shown["month"] == f"{month:%Y-%m}"
                for name, value in expected.items():
                    assert shown[name] == value, (asset, code, month, name)
                    seen.setdefault(f"{asset}.{name}", set()).add(value)
    # the numbers really are per partition: a run total would be the same on all six
    assert len(seen["readings.dagster/partition_row_count"]) > 1
    assert len(seen["daily_consumption.gaps"]) > 1 and 0 in seen["daily_consumption.gaps"]


def test_partition_metadata_never_resolves_the_run_range_again(db, building, run_pipeline, monkeypatch) -> None:
    """add_asset_metadata(partition_key=...) rebuilds the run's whole key range on each call (O(N²) per run): the
    assets record each building-month's metadata without it, and it still lands on that building-month."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("add_asset_metadata resolved the run's partition range")

    monkeypatch.setattr(dg.AssetExecutionContext, "add_asset_metadata", refuse)
    building("holes", ("42900589957123", "consumption"))
    building("normal", ("22516914714270", "consumption"))
    instance = dg.DagsterInstance.ephemeral()
    result = run_pipeline(BUILDINGS, MONTHS[0], MONTHS[0], instance=instance)
    assert result.success
    for code in BUILDINGS:
        truth = _sql_truth(db, code, MONTHS[0])
        for asset, expected in truth.items():
            shown = _metadata(instance, asset, code, MONTHS[0])
            assert shown["building"] == code
            assert all(shown[name] == value for name, value in expected.items()), (asset, code)


def _check_status(instance: dg.DagsterInstance, building: str, month: date) -> AssetCheckExecutionRecordStatus:
    key = AssetCheckKey(dg.AssetKey("daily_consumption"), "complete_days")
    infos = instance.event_log_storage.get_asset_check_partition_info([key])
    status = {i.partition_key: i.latest_execution_status for i in infos}
    return status[str(partition_key(building, month))]


def test_a_failed_partition_check_stays_failed_until_that_partition_passes(db, building, run_pipeline) -> None:
    building("holes", ("42900589957123", "consumption"))
    building("normal", ("22516914714270", "consumption"))
    instance = dg.DagsterInstance.ephemeral()
    first = run_pipeline(["holes"], MONTHS[0], MONTHS[0], instance=instance)
    failed = [e for e in first.get_asset_check_evaluations() if e.check_name == "complete_days"]
    assert [(e.partition, e.passed) for e in failed] == [(str(partition_key("holes", MONTHS[0])), False)]
    assert "holes/2026-07" in (failed[0].description or "")
    assert failed[0].metadata["without_data_sample"].value  # the failing days are listed
    # another building and other months pass later: the July failure of "holes" is still what the UI shows
    assert run_pipeline(["normal"], MONTHS[0], MONTHS[-1], instance=instance).success
    assert _check_status(instance, "holes", MONTHS[0]) == AssetCheckExecutionRecordStatus.FAILED
    assert _check_status(instance, "normal", MONTHS[0]) == AssetCheckExecutionRecordStatus.SUCCEEDED
