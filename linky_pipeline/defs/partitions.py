"""Building (dynamic) × month (Europe/Brussels) partitions shared by every warehouse asset, and their key codec.

Month, not day: building × day over 36 months passes Dagster's 100 000-partition advice at ~90 buildings,
building × month only at ~2 700.

The month dimension starts where the providers' history starts (the 36-month daily horizon), computed when the
code location loads: every month it lists can be filled by a backfill, and as the horizon moves the oldest month
leaves the dimension instead of turning into a growing tail of "missing" partitions. Keys are dates, so they never
shift; a month that leaves keeps its runs and events. `LINKY_SYNC_TODAY` (the pipeline's pinned clock, for tests
and sandbox demos) pins it too: it is read once here because a partitions definition is built when its module is
imported — the only environment read outside resources.
"""

import os
from datetime import date
from typing import Final

import dagster as dg

from linky_pipeline.lib.domain.localtime import PARIS, month_start, today_in
from linky_pipeline.lib.sources.catalog import history_start

BUILDING_DIMENSION: Final = "building"
BUILDING_PARTITIONS: Final = "building"  # name of the dynamic partitions set (the instance stores its keys)
MONTH_DIMENSION: Final = "month"


def history_first_month(today: date) -> date:
    """The first month any provider still serves data for: the oldest month a backfill can fill."""
    return month_start(history_start(today))


def clock_today() -> date:
    pinned = os.environ.get("LINKY_SYNC_TODAY", "")
    return date.fromisoformat(pinned) if pinned else today_in(PARIS)


FIRST_MONTH: Final = history_first_month(clock_today()).isoformat()

building_partitions = dg.DynamicPartitionsDefinition(name=BUILDING_PARTITIONS)
month_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, timezone="Europe/Brussels", end_offset=1)
building_month_partitions = dg.MultiPartitionsDefinition(
    {BUILDING_DIMENSION: building_partitions, MONTH_DIMENSION: month_partitions}
)


def partition_key(building: str, month: date) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({BUILDING_DIMENSION: building, MONTH_DIMENSION: month.isoformat()})


def parse_partition_key(key: str) -> tuple[str, date]:
    """(building, month) of a building × month partition key, decoded by Dagster's own multi-partition codec."""
    dims = building_month_partitions.get_partition_key_from_str(key).keys_by_dimension
    return dims[BUILDING_DIMENSION], date.fromisoformat(dims[MONTH_DIMENSION])
