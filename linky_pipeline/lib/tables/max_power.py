"""daily_max_power: the peak apparent power per consumption meter and local day, with the instant of the peak.

A day's row is the last max-power answer holding the day (lib/tables/day_values.py: only the answers of days whose
answers changed are parsed); only the rows differing from the stored ones are written (lib/tables/month_rows.py).
"""

from __future__ import annotations

from typing import Final

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.sources.catalog import MAX_POWER_ENDPOINT
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.tables.day_values import endpoint_days
from linky_pipeline.lib.tables.month_rows import RowsWrite, write_changed_rows

SQL = SqlFiles(__name__)
COLUMNS: Final = ("building_code", "meter_pk", "day", "max_power_va", "peak_at")


def rebuild_max_power(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> RowsWrite:
    consumers = [m for m in meters if m.direction == "consumption"]
    found = endpoint_days(conn, bm, consumers, MAX_POWER_ENDPOINT, "max_power_va", "peak_at")
    rows = [(bm.building, pk, day, value, at) for (pk, day), (value, at) in sorted(found.values.items())]
    done = write_changed_rows(
        conn,
        bm,
        [m.pk for m in meters],
        rows,
        (1, 2),
        SQL["select_max_power_rows"],
        SQL["write_max_power_rows"],
        COLUMNS,
    )
    done.answers, done.parsed = found.answers, found.parsed
    return done
