"""daily_max_power: the peak apparent power per consumption meter and local day, with the instant of the peak."""

from __future__ import annotations

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.sources.catalog import MAX_POWER_ENDPOINT
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.tables.landed import raw_frames

SQL = SqlFiles(__name__)


def rebuild_max_power(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:
    consumers = [m for m in meters if m.direction == "consumption"]
    conn.execute(
        SQL["delete_max_power_window"], {"meters": [m.pk for m in meters], "start": bm.month, "end": bm.next_month}
    )
    frame = raw_frames(conn, consumers, bm, (MAX_POWER_ENDPOINT,))
    if frame.empty:
        return 0
    frame = frame.drop_duplicates(subset=["meter_pk", "day"], keep="last")
    frame = frame[(frame["day"] >= bm.month) & (frame["day"] < bm.next_month)]
    rows = [
        {
            "building_code": bm.building,
            "meter_pk": int(meter_pk),
            "day": day,
            "max_power_va": float(max_power_va),
            "peak_at": peak_at.to_pydatetime(),
        }
        for meter_pk, day, max_power_va, peak_at in zip(
            frame["meter_pk"], frame["day"], frame["max_power_va"], frame["peak_at"], strict=True
        )
    ]
    conn.cursor().executemany(SQL["insert_daily_max_power"], rows)
    return len(rows)
