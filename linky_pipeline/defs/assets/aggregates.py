"""daily_consumption / daily_max_power → monthly_consumption, each rebuilt per building-month."""

from collections.abc import Iterator

import dagster as dg
import psycopg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.checks import DAILY_CHECKS, daily_evaluations
from linky_pipeline.defs.assets.describe import table_asset
from linky_pipeline.defs.assets.freshness import NIGHTLY_FRESHNESS
from linky_pipeline.defs.assets.markdown import completeness_table, monthly_table
from linky_pipeline.defs.assets.work import AssetEvent, Materialized, check_events, rebuild_each, record, run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.dashboards import DashboardResource
from linky_pipeline.defs.resources.policy import SyncPolicyResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.tables import daily, max_power, monthly, summaries
from linky_pipeline.lib.tables.month_rows import RowsWrite


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    freshness_policy=NIGHTLY_FRESHNESS,
    deps=["readings", "raw_load_curves"],
    group_name=names.AGGREGATES,
    kinds={"postgres", "pandas"},
    check_specs=DAILY_CHECKS,
    **table_asset("daily_consumption", "warehouse", daily),
)
def daily_consumption(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    sync_policy: SyncPolicyResource,
    dashboards: DashboardResource,
) -> Iterator[AssetEvent]:
    """Energy per meter and local day: official daily figure and curve sum side by side, interval statistics,
    DST-aware expected interval count and completeness."""
    reference = sync_policy.policy(context).reference

    def rebuild(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> RowsWrite:
        return daily.rebuild_daily(conn, bm, meters, reference)

    partitions = run_partitions(context, warehouse)
    written = rebuild_each(context, partitions, warehouse, rebuild, "daily_consumption")
    with warehouse.connect() as conn:
        by_meter = summaries.daily_by_meter(conn, partitions)
    for bm in partitions:
        rows = by_meter.get((bm.building, bm.month), [])
        days = sum(r.days for r in rows)
        record(
            context,
            bm,
            {
                **written[bm],
                "days": days,
                "gaps": sum(r.days_without_data for r in rows),
                "incomplete_days": sum(r.incomplete_days for r in rows),
                "completeness": round(sum(r.completeness * r.days for r in rows) / days, 4) if days else 0.0,
                "kwh": round(sum(r.total_kwh for r in rows), 3),
                "per_meter": dg.MetadataValue.md(completeness_table(rows)),
                "grafana_daily": dg.MetadataValue.url(dashboards.panel_url(names.PANEL_DAILY, bm)),
                "grafana_completeness": dg.MetadataValue.url(dashboards.panel_url(names.PANEL_COMPLETENESS, bm)),
            },
        )
    yield dg.MaterializeResult()
    yield from check_events(context, daily_evaluations(context, warehouse, partitions, by_meter))


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    freshness_policy=NIGHTLY_FRESHNESS,
    deps=["raw_load_curves"],
    group_name=names.AGGREGATES,
    kinds={"postgres", "pandas"},
    **table_asset("daily_max_power", "warehouse", max_power),
)
def daily_max_power(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, dashboards: DashboardResource
) -> Materialized:
    """Peak apparent power (VA) per consumption meter and local day, with the instant of the peak (UTC)."""
    partitions = run_partitions(context, warehouse)
    written = rebuild_each(context, partitions, warehouse, max_power.rebuild_max_power, "daily_max_power")
    with warehouse.connect() as conn:
        peaks = summaries.max_power_by_meter(conn, partitions)
    for bm in partitions:
        rows = peaks.get((bm.building, bm.month), [])
        record(
            context,
            bm,
            {
                **written[bm],
                "peak_va": max((r.peak_va for r in rows), default=0.0),
                "grafana": dg.MetadataValue.url(dashboards.panel_url(names.PANEL_MAX_POWER, bm)),
            },
        )
    return dg.MaterializeResult()


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    freshness_policy=NIGHTLY_FRESHNESS,
    deps=["daily_consumption"],
    group_name=names.AGGREGATES,
    kinds={"postgres"},
    **table_asset("monthly_consumption", "warehouse", monthly),
)
def monthly_consumption(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, dashboards: DashboardResource
) -> Materialized:
    """Energy per meter and local month with completeness, month-over-month and year-over-year change (%)."""
    partitions = run_partitions(context, warehouse)
    written = rebuild_each(context, partitions, warehouse, monthly.rebuild_monthly, "monthly_consumption")
    with warehouse.connect() as conn:
        by_meter = summaries.monthly_by_meter(conn, partitions)
    for bm in partitions:
        rows = by_meter.get((bm.building, bm.month), [])
        record(
            context,
            bm,
            {
                **written[bm],
                "kwh": round(sum(r.total_kwh or 0.0 for r in rows), 3),
                "completeness": round(min((r.completeness for r in rows), default=0.0), 4),
                "per_meter": dg.MetadataValue.md(monthly_table(rows)),
                "grafana": dg.MetadataValue.url(dashboards.panel_url(names.PANEL_MONTHLY, bm, months=13)),
            },
        )
    return dg.MaterializeResult()
