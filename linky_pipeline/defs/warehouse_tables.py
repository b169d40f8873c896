"""readings → daily_consumption / daily_max_power → monthly_consumption, each rebuilt per building-month."""

import time
from collections.abc import Callable
from datetime import date

import dagster as dg
import psycopg

from linky_pipeline.defs.context import run_partitions, window_text
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.quality_checks import (
    DAILY_CHECKS,
    READINGS_CHECKS,
    daily_check_results,
    readings_check_results,
)
from linky_pipeline.defs.resources import SyncPolicyResource, WarehouseResource
from linky_pipeline.lib.registry import Building, Meter, get_building, list_meters
from linky_pipeline.lib.warehouse.daily import rebuild_daily, rebuild_max_power
from linky_pipeline.lib.warehouse.locks import lock_building_month
from linky_pipeline.lib.warehouse.monthly import rebuild_monthly
from linky_pipeline.lib.warehouse.readings import rebuild_readings

Rebuild = Callable[[psycopg.Connection, Building, list[Meter], date], int]


def rebuild_each(context: dg.AssetExecutionContext, warehouse: WarehouseResource, rebuild: Rebuild) -> dict:
    """One transaction per building-month; returns metadata common to every table asset."""
    started, rows = time.monotonic(), 0
    work = run_partitions(context)
    for building_code, month in work:
        with warehouse.connect() as conn, conn.transaction():
            lock_building_month(conn, building_code, month)
            building = get_building(conn, building_code)
            rows += rebuild(conn, building, list_meters(conn, building_code), month)
    return {
        "rows_written": rows,
        "window": window_text(work),
        "partitions": len(work),
        "duration_s": round(time.monotonic() - started, 2),
    }


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["raw_load_curves"],
    group_name="readings",
    kinds={"postgres", "pandas"},
    check_specs=READINGS_CHECKS,
)
def readings(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """kWh per interval (UTC interval start, interval length, quality, source) for every meter of the building."""
    metadata = rebuild_each(context, warehouse, rebuild_readings)
    with warehouse.connect() as conn:
        checks = readings_check_results(conn, run_partitions(context))
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["readings", "raw_load_curves"],
    group_name="aggregates",
    kinds={"postgres", "pandas"},
    check_specs=DAILY_CHECKS,
)
def daily_consumption(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sync_policy: SyncPolicyResource
) -> dg.MaterializeResult:
    """Energy per meter and local day: official daily figure and curve sum side by side, interval statistics,
    DST-aware expected interval count and completeness."""
    reference = sync_policy.reference_date(context)
    metadata = rebuild_each(context, warehouse, lambda c, b, m, month: rebuild_daily(c, b, m, month, reference))
    with warehouse.connect() as conn:
        checks, gaps = daily_check_results(conn, run_partitions(context))
    return dg.MaterializeResult(metadata={**metadata, "gaps": gaps}, check_results=checks)


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["raw_load_curves"],
    group_name="aggregates",
    kinds={"postgres", "pandas"},
)
def daily_max_power(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Peak apparent power (VA) per consumption meter and local day, with the instant of the peak (UTC)."""
    return dg.MaterializeResult(metadata=rebuild_each(context, warehouse, rebuild_max_power))


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["daily_consumption"],
    group_name="aggregates",
    kinds={"postgres"},
)
def monthly_consumption(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Energy per meter and local month with completeness, month-over-month and year-over-year change (%)."""
    metadata = rebuild_each(context, warehouse, lambda c, b, _m, month: rebuild_monthly(c, b.code, month))
    return dg.MaterializeResult(metadata=metadata)
