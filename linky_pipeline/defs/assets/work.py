"""The building × month rectangle a (possibly range) run covers, resolved against the registry."""

from typing import TYPE_CHECKING, Any, TypeAlias

import dagster as dg

from linky_pipeline.defs.partitions import parse_partition_key
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import building_months
from linky_pipeline.lib.tables.rebuild import Rebuild, rebuild_partitions

# What the assets return. Dagster reads the return annotation at runtime and only recognises the bare
# MaterializeResult class (a subscripted one is rejected on assets with checks); mypy wants its type argument.
if TYPE_CHECKING:
    Materialized: TypeAlias = dg.MaterializeResult[Any]
else:
    Materialized = dg.MaterializeResult


def run_partitions(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> list[BuildingMonth]:
    """Building-months of this run, buildings then months ascending (months in order for MoM/YoY)."""
    with warehouse.connect() as conn:
        return building_months(conn, [parse_partition_key(key) for key in context.partition_keys])


def window_text(partitions: list[BuildingMonth]) -> str:
    if not partitions:
        return "empty"
    months = sorted({bm.month for bm in partitions})
    return f"{len({bm.building for bm in partitions})} building(s) × {months[0]:%Y-%m}..{months[-1]:%Y-%m}"


def rebuild_each(partitions: list[BuildingMonth], warehouse: WarehouseResource, rebuild: Rebuild) -> dict[str, Any]:
    """One transaction per building-month; returns metadata common to every table asset."""
    done = rebuild_partitions(warehouse.connect, partitions, rebuild)
    return {
        "rows_written": sum(r.rows for r in done),
        "window": window_text(partitions),
        "partitions": len(done),
        "duration_s": round(sum(r.seconds for r in done), 2),
    }
