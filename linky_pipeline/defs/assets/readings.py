"""readings: kWh per interval, rebuilt per building-month from the landed answers."""

from collections.abc import Iterator

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.checks import READINGS_CHECKS, readings_evaluations
from linky_pipeline.defs.assets.describe import table_asset
from linky_pipeline.defs.assets.freshness import NIGHTLY_FRESHNESS
from linky_pipeline.defs.assets.work import AssetEvent, check_events, rebuild_each, record_all, run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.tables import readings as readings_table


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    freshness_policy=NIGHTLY_FRESHNESS,
    deps=["raw_load_curves"],
    group_name=names.READINGS,
    kinds={"postgres", "pandas"},
    check_specs=READINGS_CHECKS,
    **table_asset("readings", "warehouse", readings_table),
)
def readings(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[AssetEvent]:
    """kWh per interval (UTC interval start, interval length, quality, source) for every meter of the building."""
    partitions = run_partitions(context, warehouse)
    record_all(context, rebuild_each(context, partitions, warehouse, readings_table.rebuild_readings, "readings"))
    yield dg.MaterializeResult()
    yield from check_events(context, readings_evaluations(context, warehouse, partitions))
