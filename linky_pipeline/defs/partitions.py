"""Building (dynamic) × month (Europe/Brussels) partitions shared by every warehouse asset, and their key codec.

Month, not day: building × day over 36 months passes Dagster's 100 000-partition advice at ~90 buildings,
building × month only at ~2 700. The first month is fixed so partition keys never shift; months older than the
36-month daily horizon simply load nothing.
"""

from datetime import date
from typing import Final

import dagster as dg

BUILDING_DIMENSION: Final = "building"
BUILDING_PARTITIONS: Final = "building"  # name of the dynamic partitions set (the instance stores its keys)
MONTH_DIMENSION: Final = "month"
FIRST_MONTH: Final = "2023-10-01"

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
