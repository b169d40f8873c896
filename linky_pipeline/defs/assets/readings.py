"""readings: kWh per interval, rebuilt per building-month from the landed answers."""

from collections.abc import Iterator

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.checks import READINGS_CHECKS, readings_evaluations
from linky_pipeline.defs.assets.describe import table_asset
from linky_pipeline.defs.assets.freshness import NIGHTLY_FRESHNESS
from linky_pipeline.defs.assets.work import AssetEvent, check_events, record_all, run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.tables import readings as readings_table
from linky_pipeline.lib.tables.pipelined import readings_built_in_run


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
    """kWh per interval (UTC interval start, interval length, quality, source) for every meter of the building,
    stored per local day; only days whose values changed are written, and changed values are kept as revisions."""
    partitions = run_partitions(context, warehouse)
    with warehouse.connect() as conn:  # months this run's sync already built while it fetched are not built twice
        early = readings_built_in_run(conn, context.run.run_id, partitions)
    run = readings_table.rebuild_readings_run(warehouse.connect, partitions, early)
    record_all(context, {bm: done.metadata() for bm, done in run.months.items()})
    total = run.written
    context.log.info(
        f"readings: {total.intervals_written} interval(s) written in {total.days_inserted + total.days_rewritten} "
        f"day(s), {total.days_unchanged} day(s) unchanged, {total.revisions} revised interval(s) over "
        f"{len(run.months)} building-month(s)"
    )
    if run.chunks_recompressed:  # rewritten days of compressed chunks: recompressed before the run ends
        context.log.info(f"readings: recompressed {len(run.chunks_recompressed)} TimescaleDB chunk(s)")
    yield dg.MaterializeResult()
    yield from check_events(context, readings_evaluations(context, warehouse, partitions))
