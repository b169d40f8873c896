"""readings: parsed from the landed raw answers, replaced per building-month in one transaction."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg

from linky_pipeline.lib.localtime import local_midnight_utc, next_month
from linky_pipeline.lib.registry import Building, Meter
from linky_pipeline.lib.sql import load_sql
from linky_pipeline.lib.sync.horizons import READING_ENDPOINTS
from linky_pipeline.lib.warehouse.raw_parse import parse_raw

COPY_READINGS = "COPY readings (meter_pk, metric, ts, interval_s, kwh, quality, source) FROM STDIN (FORMAT BINARY)"


def raw_frames(conn: psycopg.Connection, meters: list[Meter], month: date, endpoints: tuple[str, ...]) -> pd.DataFrame:
    """Every landed answer of these endpoints for the month, parsed; a later fetch of the same point wins."""
    by_pk = {m.pk: m for m in meters}
    rows = conn.execute(
        load_sql("select_raw_payloads"),
        {"meters": list(by_pk), "endpoints": list(endpoints), "start": month, "end": next_month(month)},
    ).fetchall()
    frames = [
        parse_raw(endpoint, api_version, payload, by_pk[meter_pk].meter_id).assign(meter_pk=meter_pk)
        for meter_pk, endpoint, api_version, payload in rows
    ]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def month_readings(conn: psycopg.Connection, building: Building, meters: list[Meter], month: date) -> pd.DataFrame:
    tz = ZoneInfo(building.timezone)
    frame = raw_frames(conn, meters, month, READING_ENDPOINTS)
    if frame.empty:
        return frame
    start, end = local_midnight_utc(month, tz), local_midnight_utc(next_month(month), tz)
    frame = frame.drop_duplicates(subset=["meter_pk", "metric", "ts"], keep="last")
    frame = frame[(frame["ts"] >= start) & (frame["ts"] < end)]
    return frame.sort_values(["meter_pk", "metric", "ts"], ignore_index=True)


def rebuild_readings(conn: psycopg.Connection, building: Building, meters: list[Meter], month: date) -> int:
    """Replace the building's readings of the local month with what the raw answers say; returns rows written."""
    tz = ZoneInfo(building.timezone)
    frame = month_readings(conn, building, meters, month)
    conn.execute(
        load_sql("delete_readings_window"),
        {
            "meters": [m.pk for m in meters],
            "start": local_midnight_utc(month, tz),
            "end": local_midnight_utc(next_month(month), tz),
        },
    )
    if frame.empty:
        return 0
    with conn.cursor().copy(COPY_READINGS) as copy:
        copy.set_types(["int8", "text", "timestamptz", "int4", "float8", "text", "text"])
        for row in zip(
            frame["meter_pk"].astype("int64").tolist(),
            frame["metric"].tolist(),
            frame["ts"].dt.to_pydatetime().tolist(),
            frame["interval_s"].astype("int64").tolist(),
            frame["kwh"].astype("float64").tolist(),
            frame["quality"].tolist(),
            frame["source"].tolist(),
            strict=True,
        ):
            copy.write_row(row)
    return len(frame)
