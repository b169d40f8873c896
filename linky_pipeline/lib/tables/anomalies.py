"""consumption_anomalies: detected per building-month, upserted by stable id.

Never delete-and-reinsert: notifications reference anomalies (ON DELETE CASCADE), so a rewrite would drop the
record of what was already sent and send it again. Rows no longer detected are the only ones deleted.
Only consumption is analysed: the seed's rule is about over-consumption, and PV production swings by more than
20 % from one day to the next without anything being wrong.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import psycopg

from linky_pipeline.lib.anomalies.detect import ANOMALY_COLUMNS, detect_anomalies
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)

HISTORY_DAYS = 14


def rebuild_anomalies(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:
    tz, month = bm.tz, bm.month
    consumers = [m.pk for m in meters if m.direction == "consumption"]
    since, until = month - timedelta(days=HISTORY_DAYS), bm.next_month
    daily = pd.DataFrame(
        conn.execute(SQL["select_anomaly_daily_input"], {"meters": consumers, "start": since, "end": until}).fetchall(),
        columns=["building_code", "meter_pk", "metric", "day", "total_kwh", "complete"],
    )
    readings = pd.DataFrame(
        conn.execute(
            SQL["select_anomaly_readings_input"],
            {"meters": consumers, "start_day": since, "end_day": until, "building": bm.building},
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
        conn.cursor().executemany(SQL["upsert_anomaly"], rows)
    conn.execute(
        SQL["delete_stale_anomalies"],
        {"building": bm.building, "start": month, "end": until, "keep": [r["anomaly_id"] for r in rows]},
    )
    return len(rows)


def count_by_severity(conn: psycopg.Connection, partitions: list[BuildingMonth]) -> dict[str, int]:
    """Anomalies per severity over the run's building-months."""
    if not partitions:
        return {}
    rows = conn.execute(
        SQL["count_anomalies_by_severity"],
        {
            "buildings": sorted({bm.building for bm in partitions}),
            "start": min(bm.month for bm in partitions),
            "end": max(bm.month for bm in partitions),
        },
    ).fetchall()
    return {str(severity): int(n) for severity, n in rows}
