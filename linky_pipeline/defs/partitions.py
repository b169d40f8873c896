"""Building (dynamic) × month (Europe/Brussels) partitions shared by every warehouse asset.

Month, not day: building × day over 36 months passes Dagster's 100 000-partition advice at ~90 buildings,
building × month only at ~2 700. The first month is fixed so partition keys never shift; months older than the
36-month daily horizon simply load nothing.
"""

import dagster as dg

BUILDING_DIMENSION = "building"
MONTH_DIMENSION = "month"
FIRST_MONTH = "2023-10-01"

building_partitions = dg.DynamicPartitionsDefinition(name="building")
month_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, timezone="Europe/Brussels", end_offset=1)
building_month_partitions = dg.MultiPartitionsDefinition(
    {BUILDING_DIMENSION: building_partitions, MONTH_DIMENSION: month_partitions}
)
