"""The code location loads as `dg check defs` would, with the shape the UI and schedules rely on."""

from __future__ import annotations

import warnings

import dagster as dg
import pytest

from linky_pipeline.definitions import defs


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        loaded = defs()
        loaded.get_repository_def().load_all_definitions()
    return loaded


def test_every_table_is_one_asset(definitions: dg.Definitions) -> None:
    keys = {k.to_user_string() for k in definitions.resolve_all_asset_keys()}
    assert {"raw_load_curves", "readings", "daily_consumption", "monthly_consumption", "daily_max_power"} <= keys


def test_assets_are_building_month_partitioned_and_range_aware(definitions: dg.Definitions) -> None:
    for key in ("raw_load_curves", "readings", "daily_consumption", "monthly_consumption", "daily_max_power"):
        spec = definitions.resolve_assets_def(key)
        partitions = spec.partitions_def
        assert isinstance(partitions, dg.MultiPartitionsDefinition)
        assert {d.name for d in partitions.partitions_defs} == {"building", "month"}
        assert spec.backfill_policy is not None
        assert spec.backfill_policy.max_partitions_per_run is None  # one run per range


def test_schedules_are_brussels_time(definitions: dg.Definitions) -> None:
    nightly = definitions.resolve_schedule_def("nightly_sync")
    assert (nightly.cron_schedule, nightly.execution_timezone) == ("0 2 * * *", "Europe/Brussels")
    assert nightly.default_status == dg.DefaultScheduleStatus.RUNNING
    catch_up = definitions.resolve_schedule_def("late_data_catch_up")
    assert catch_up.default_status == dg.DefaultScheduleStatus.STOPPED


def test_only_the_api_asset_uses_the_api_pool(definitions: dg.Definitions) -> None:
    assert definitions.resolve_assets_def("raw_load_curves").op.pool == "enedis_api"
    assert definitions.resolve_assets_def("readings").op.pool is None
