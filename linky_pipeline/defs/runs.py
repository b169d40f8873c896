"""Run tags that make one run cover a building × month rectangle (assets are range-aware)."""

from datetime import date

import dagster as dg

from linky_pipeline.defs.partitions import BUILDING_DIMENSION, FIRST_MONTH, MONTH_DIMENSION
from linky_pipeline.lib.localtime import PARIS, month_start, today_in
from linky_pipeline.lib.sync.horizons import daily_horizon_start

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_key(building: str, month: date) -> str:
    return str(dg.MultiPartitionKey({BUILDING_DIMENSION: building, MONTH_DIMENSION: month.isoformat()}))


def rectangle_tags(first_building: str, last_building: str, first_month: date, last_month: date) -> dict[str, str]:
    """Tags for one run over buildings [first..last] (registry order) × months [first..last]."""
    return {
        RANGE_START_TAG: partition_key(first_building, first_month),
        RANGE_END_TAG: partition_key(last_building, last_month),
    }


def history_months(today: date) -> tuple[date, date]:
    """The months a full history backfill covers: the 36-month daily horizon up to the current month."""
    first = max(month_start(daily_horizon_start(today)), date.fromisoformat(FIRST_MONTH))
    return first, month_start(today)


def history_run_tags(building: str, today: date | None = None) -> dict[str, str]:
    first, last = history_months(today or today_in(PARIS))
    return {**rectangle_tags(building, building, first, last), "linky/mode": "backfill"}


def parse_partition_key(key: str) -> tuple[str, date]:
    """(building, month) from a multi-partition key string ("building|month": dimensions sorted by name)."""
    building, month = key.split("|")
    return building, date.fromisoformat(month)
