"""readings: parsed from the landed raw answers, replaced per building-month in one transaction."""

from __future__ import annotations

import pandas as pd
import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.sources.catalog import READING_ENDPOINTS, parse_landed
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)
COPY_READINGS = "COPY readings (meter_pk, metric, ts, interval_s, kwh, quality, source) FROM STDIN (FORMAT BINARY)"


def raw_frames(
    conn: psycopg.Connection, meters: list[Meter], bm: BuildingMonth, endpoints: tuple[str, ...]
) -> pd.DataFrame:
    """Every landed answer of these endpoints overlapping the month, parsed; a later fetch of a point wins."""
    by_pk = {m.pk: m for m in meters}
    rows = conn.execute(
        SQL["select_raw_payloads"],
        {"meters": list(by_pk), "endpoints": list(endpoints), "start": bm.month, "end": bm.next_month},
    ).fetchall()
    frames = [
        parse_landed(endpoint, api_version, payload, by_pk[meter_pk].meter_id).assign(meter_pk=meter_pk)
        for meter_pk, endpoint, api_version, payload in rows
    ]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def month_readings(conn: psycopg.Connection, meters: list[Meter], bm: BuildingMonth) -> pd.DataFrame:
    frame = raw_frames(conn, meters, bm, READING_ENDPOINTS)
    if frame.empty:
        return frame
    frame = frame.drop_duplicates(subset=["meter_pk", "metric", "ts"], keep="last")
    frame = frame[(frame["ts"] >= bm.utc_start) & (frame["ts"] < bm.utc_end)]
    return frame.sort_values(["meter_pk", "metric", "ts"], ignore_index=True)


def rebuild_readings(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:
    """Replace the building's readings of the local month with what the raw answers say; returns rows written."""
    frame = month_readings(conn, meters, bm)
    conn.execute(
        SQL["delete_readings_window"], {"meters": [m.pk for m in meters], "start": bm.utc_start, "end": bm.utc_end}
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
