"""Keeps the building partitions equal to the registry, and asks for a history backfill of new buildings.

"Add partition" in the UI's backfill dialog cannot create a building: a building needs a name, a time zone and
meters with their consent, which only `linky-pipeline buildings add` / `meters add` validate. A partition that is
not a registry building is therefore refused: removed at the next tick with a message saying how to add it, and
a run that targets it fails with the same advice (defs/assets/work.py).
"""

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.automation.runs import history_run_tags
from linky_pipeline.defs.partitions import building_partitions
from linky_pipeline.defs.resources.definitions import WarehouseResource
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


@dg.sensor(
    name="building_registry_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    target=dg.AssetSelection.groups(*names.SYNC_GROUPS),
)
def building_registry_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    """New buildings become partitions; removed ones disappear from the UI; new meters get their history."""
    with warehouse.connect() as conn:
        registry = [b.code for b in list_buildings(conn)]
        never_synced = meters_without_history(conn, FETCHED_PROVIDERS)
    existing = list(context.instance.get_dynamic_partitions(building_partitions.name))
    to_add, to_delete = partition_changes(registry, existing)
    # One history run per meter that has never been fetched: new buildings, and meters added later.
    requests = [
        dg.RunRequest(run_key=f"history:{code}:{meter_pk}", tags=history_run_tags(code))
        for code, meter_pk in never_synced
    ]
    if to_add:
        context.log.info(f"building partitions added from the registry: {to_add}")
    for code in to_delete:
        context.log.warning(refusal(code))
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[
            *([building_partitions.build_add_request(to_add)] if to_add else []),
            *([building_partitions.build_delete_request(to_delete)] if to_delete else []),
        ],
    )
