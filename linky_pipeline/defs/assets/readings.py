"""readings: kWh per interval, rebuilt per building-month from the landed answers."""

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.checks import READINGS_CHECKS, readings_check_results
from linky_pipeline.defs.assets.work import Materialized, rebuild_each, run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.tables.readings import rebuild_readings


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["raw_load_curves"],
    group_name=names.READINGS,
    kinds={"postgres", "pandas"},
    check_specs=READINGS_CHECKS,
)
def readings(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Materialized:
    """kWh per interval (UTC interval start, interval length, quality, source) for every meter of the building."""
    partitions = run_partitions(context, warehouse)
    metadata = rebuild_each(partitions, warehouse, rebuild_readings)
    return dg.MaterializeResult(metadata=metadata, check_results=readings_check_results(warehouse, partitions))
