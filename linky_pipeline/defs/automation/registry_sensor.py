"""Keeps the building partitions equal to the registry, and asks for a history backfill of new buildings.

"Add partition" in the UI's backfill dialog cannot create a building: a building needs a name, a time zone and
meters with their consent, which only `linky-pipeline buildings add` / `meters add` validate. A partition that is
not a registry building is therefore refused: removed at the next tick with a message saying how to add it, and
a run that targets it fails with the same advice (defs/assets/work.py).
"""

import json
from datetime import date

import dagster as dg
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.execution.backfill import BulkActionStatus

from linky_pipeline.defs import names
from linky_pipeline.defs.automation.runs import history_months
from linky_pipeline.defs.partitions import (
    BUILDING_PARTITIONS,
    building_month_partitions,
    building_partitions,
    partition_key,
)
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.localtime import PARIS, next_month, today_in
from linky_pipeline.lib.domain.registry import list_buildings, meters_without_history
from linky_pipeline.lib.sources.catalog import FETCHED_PROVIDERS


def partition_changes(registry: list[str], existing: list[str]) -> tuple[list[str], list[str]]:
    """(to add, to delete) so that partitions == registry; order of the registry is kept."""
    present = set(existing)
    wanted = set(registry)
    return [c for c in registry if c not in present], [c for c in existing if c not in wanted]


def refusal(code: str) -> str:
    return (
        f"partition {code!r} removed: it is not a registered building. Buildings are added with "
        f"`linky-pipeline buildings add {code} --name ...` (then `linky-pipeline meters add ...`); "
        "this sensor then adds the partition and backfills its history."
    )


def buildings_being_loaded(instance: dg.DagsterInstance) -> set[str]:
    """Buildings whose history a backfill is loading right now (this sensor's, the demo's): not asked twice."""
    running = instance.get_backfills(status=BulkActionStatus.REQUESTED)
    return {code for b in running for code in b.tags.get(names.HISTORY_OF_TAG, "").split(",") if code}


def history_backfill(context: dg.SensorEvaluationContext, building: str, today: date) -> dg.RunRequest:
    """A backfill (listed under Backfills, its runs in the timeline) of every sync asset over the building's
    history: one range run per building (BackfillPolicy.single_run)."""
    repository = context.repository_def
    assert repository is not None, "the registry sensor runs inside its code location"
    graph = repository.asset_graph
    keys = dg.AssetSelection.groups(*names.SYNC_GROUPS).resolve(graph)
    first, last = history_months(today)
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    subset = building_month_partitions.subset_with_partition_keys([str(partition_key(building, m)) for m in months])
    tags = {
        names.MODE_TAG: "backfill",
        names.BUILDINGS_TAG: building,
        names.MONTHS_TAG: f"{first:%Y-%m}..{last:%Y-%m}",
        names.TRIGGER_TAG: "registry",
        names.HISTORY_OF_TAG: building,
    }
    return dg.RunRequest.for_asset_graph_subset(
        AssetGraphSubset(  # type: ignore[call-arg]  # a NamedTuple whose defaults mypy does not see
            partitions_subsets_by_asset_key=dict.fromkeys(keys, subset), non_partitioned_asset_keys=set()
        ),
        tags=tags,
    )


@dg.sensor(
    name="building_registry_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    asset_selection=dg.AssetSelection.groups(*names.SYNC_GROUPS),  # backfill requests need it (not target=)
)
def building_registry_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    """New buildings become partitions; removed ones disappear from the UI; meters never fetched get their history
    as one backfill per building (once: the cursor remembers which meters were asked for)."""
    with warehouse.connect() as conn:
        registry = [b.code for b in list_buildings(conn)]
        never_synced = meters_without_history(conn, FETCHED_PROVIDERS)
    existing = list(context.instance.get_dynamic_partitions(BUILDING_PARTITIONS))
    to_add, to_delete = partition_changes(registry, existing)
    asked: set[str] = set(json.loads(context.cursor)) if context.cursor else set()
    meters_by_building: dict[str, list[int]] = {}
    for code, meter_pk in never_synced:
        meters_by_building.setdefault(code, []).append(meter_pk)
    wanted = {code: f"history:{code}:{','.join(map(str, pks))}" for code, pks in meters_by_building.items()}
    today = today_in(PARIS)
    loading = buildings_being_loaded(context.instance)
    requests = [
        history_backfill(context, code, today)
        for code, key in wanted.items()
        if key not in asked and code not in loading
    ]
    if to_add:
        context.log.info(f"building partitions added from the registry: {to_add}")
    for code in to_delete:
        context.log.warning(refusal(code))
    return dg.SensorResult(
        run_requests=requests,
        cursor=json.dumps(sorted(asked | set(wanted.values()))),
        dynamic_partitions_requests=[
            *([building_partitions.build_add_request(to_add)] if to_add else []),
            *([building_partitions.build_delete_request(to_delete)] if to_delete else []),
        ],
    )
