"""consumption_anomalies: detected per building-month, upserted by stable id.

Never delete-and-reinsert: notifications reference anomalies (ON DELETE CASCADE), so a rewrite would drop the
record of what was already sent and send it again. Rows no longer detected are the only ones deleted.
Only consumption is analysed: the seed's rule is about over-consumption, and PV production swings by more than
20 % from one day to the next without anything being wrong.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from linky_pipeline.lib.anomalies.detect import ANOMALY_COLUMNS, detect_anomalies
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)

HISTORY_DAYS = 14


def _columns(rows: list[tuple[Any, ...]], names: tuple[str, ...]) -> dict[str, list[Any]]:
    """Fetched rows as one list per column: a frame built from columns skips pandas' per-row inference."""
    found = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return {name: list(values) for name, values in zip(names, found, strict=True)}


def rebuild_anomalies(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:
    tz, month = bm.tz, bm.month
    consumers = [m.pk for m in meters if m.direction == "consumption"]
    since, until = month - timedelta(days=HISTORY_DAYS), bm.next_month
    daily = pd.DataFrame(
        _columns(
            conn.execute(
                SQL["select_anomaly_daily_input"], {"meters": consumers, "start": since, "end": until}
            ).fetchall(),
            ("building_code", "meter_pk", "metric", "day", "total_kwh", "complete"),
        )
    )
    found = _columns(
        conn.execute(
            SQL["select_anomaly_readings_input"], {"meters": consumers, "start_day": since, "end_day": until}
        ).fetchall(),
        ("meter_pk", "metric", "ts_us", "interval_s", "kwh"),
    )
    instants = np.array(found.pop("ts_us"), dtype="int64").astype("datetime64[us]")
    readings = pd.DataFrame(
        {"building_code": bm.building, **found, "ts": pd.DatetimeIndex(instants).tz_localize(UTC)},
        columns=["building_code", "meter_pk", "metric", "ts", "interval_s", "kwh"],
    )
    anomalies = detect_anomalies(daily, readings, tz=tz, emit_from=month, emit_to=until)
    rows = [
        dict(zip(ANOMALY_COLUMNS, values, strict=True))
        for values in anomalies[list(ANOMALY_COLUMNS)].itertuples(index=False, name=None)
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
