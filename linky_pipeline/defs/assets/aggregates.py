"""daily_consumption / daily_max_power → monthly_consumption, each rebuilt per building-month."""

import dagster as dg
import psycopg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.checks import DAILY_CHECKS, daily_check_results
from linky_pipeline.defs.assets.work import Materialized, rebuild_each, run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.policy import SyncPolicyResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.tables.daily import rebuild_daily
from linky_pipeline.lib.tables.max_power import rebuild_max_power
from linky_pipeline.lib.tables.monthly import rebuild_monthly


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["readings", "raw_load_curves"],
    group_name=names.AGGREGATES,
    kinds={"postgres", "pandas"},
    check_specs=DAILY_CHECKS,
)
def daily_consumption(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sync_policy: SyncPolicyResource
) -> Materialized:
    """Energy per meter and local day: official daily figure and curve sum side by side, interval statistics,
    DST-aware expected interval count and completeness."""
    reference = sync_policy.policy(context).reference

    def rebuild(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:
        return rebuild_daily(conn, bm, meters, reference)

    partitions = run_partitions(context, warehouse)
    metadata = rebuild_each(partitions, warehouse, rebuild)
    checks, gaps = daily_check_results(warehouse, partitions)
    return dg.MaterializeResult(metadata={**metadata, "gaps": gaps}, check_results=checks)


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["raw_load_curves"],
    group_name=names.AGGREGATES,
    kinds={"postgres", "pandas"},
)
def daily_max_power(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Materialized:
    """Peak apparent power (VA) per consumption meter and local day, with the instant of the peak (UTC)."""
    return dg.MaterializeResult(metadata=rebuild_each(run_partitions(context, warehouse), warehouse, rebuild_max_power))


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["daily_consumption"],
    group_name=names.AGGREGATES,
    kinds={"postgres"},
)
def monthly_consumption(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Materialized:
    """Energy per meter and local month with completeness, month-over-month and year-over-year change (%)."""
    return dg.MaterializeResult(metadata=rebuild_each(run_partitions(context, warehouse), warehouse, rebuild_monthly))
