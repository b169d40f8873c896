"""readings: kWh per interval, rebuilt per building-month from the landed answers."""

from typing import Any

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.checks import READINGS_CHECKS, readings_check_results
from linky_pipeline.defs.assets.work import Materialized, run_partitions, window_text
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.tables.readings import rebuild_readings_run


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["raw_load_curves"],
    group_name=names.READINGS,
    kinds={"postgres", "pandas"},
    check_specs=READINGS_CHECKS,
)
def readings(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Materialized:
    """kWh per interval (UTC interval start, interval length, quality, source) for every meter of the building,
    stored per local day; only days whose values changed are written, and changed values are kept as revisions."""
    partitions = run_partitions(context, warehouse)
    run = rebuild_readings_run(warehouse.connect, partitions)
    metadata: dict[str, Any] = {
        "rows_written": run.written.intervals_written,
        "window": window_text(partitions),
        "partitions": run.partitions,
        "duration_s": round(run.seconds, 2),
        "days_unchanged": run.written.days_unchanged,
        "days_written": run.written.days_inserted + run.written.days_rewritten,
        "days_deleted": run.written.days_deleted,
        "revised_intervals": run.written.revisions,
        "chunks_recompressed": len(run.chunks_recompressed),
    }
    return dg.MaterializeResult(metadata=metadata, check_results=readings_check_results(warehouse, partitions))
