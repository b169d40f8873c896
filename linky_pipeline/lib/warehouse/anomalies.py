"""consumption_anomalies: detected per building-month, upserted by stable id.

Never delete-and-reinsert: notifications reference anomalies (ON DELETE CASCADE), so a rewrite would drop the
record of what was already sent and send it again. Rows no longer detected are the only ones deleted.
Only consumption is analysed: the seed's rule is about over-consumption, and PV production swings by more than
20 % from one day to the next without anything being wrong.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg

from linky_pipeline.lib.anomalies import ANOMALY_COLUMNS, detect_anomalies
from linky_pipeline.lib.localtime import local_midnight_utc, next_month
from linky_pipeline.lib.registry import Building, Meter
from linky_pipeline.lib.sql import load_sql

HISTORY_DAYS = 14


def rebuild_anomalies(conn: psycopg.Connection, building: Building, meters: list[Meter], month: date) -> int:
    tz = ZoneInfo(building.timezone)
    consumers = [m.pk for m in meters if m.direction == "consumption"]
    since, until = month - timedelta(days=HISTORY_DAYS), next_month(month)
    daily = pd.DataFrame(
        conn.execute(
            load_sql("select_anomaly_daily_input"), {"meters": consumers, "start": since, "end": until}
        ).fetchall(),
        columns=["building_code", "meter_pk", "metric", "day", "total_kwh", "complete"],
    )
    readings = pd.DataFrame(
        conn.execute(
            load_sql("select_anomaly_readings_input"),
            {
                "meters": consumers,
                "start": local_midnight_utc(since, tz),
                "end": local_midnight_utc(until, tz),
                "building": building.code,
            },
        ).fetchall(),
        columns=["building_code", "meter_pk", "metric", "ts", "interval_s", "kwh"],
    )
    if not readings.empty:
        readings["ts"] = pd.to_datetime(readings["ts"], utc=True)
    found = detect_anomalies(daily, readings, tz=tz, emit_from=month, emit_to=until)
    rows = [
        dict(zip(ANOMALY_COLUMNS, values, strict=True))
        for values in found[list(ANOMALY_COLUMNS)].itertuples(index=False, name=None)
    ]
    for row in rows:
        row["ts"] = pd.Timestamp(row["ts"]).to_pydatetime()
        row["meter_pk"] = int(row["meter_pk"])
    if rows:
        conn.cursor().executemany(load_sql("upsert_anomaly"), rows)
    conn.execute(
        load_sql("delete_stale_anomalies"),
        {"building": building.code, "start": month, "end": until, "keep": [r["anomaly_id"] for r in rows]},
    )
    return len(rows)
