"""Load-curve answers landed the way nightly runs land them (each night the trailing days re-fetched and the new day
added), written with the landing's own upsert so the readings builder meets what production leaves."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import psycopg

from linky_pipeline.lib.domain.localtime import PARIS, local_midnight_utc
from linky_pipeline.lib.store.sql import SqlFiles

LANDING = SqlFiles("linky_pipeline.lib.sync.run")
TRAILING_DAYS = 7
FMT = "%Y-%m-%d %H:%M:%S"


def watts(prm: str, start: datetime, revision: int = 0) -> int:
    """A deterministic average power per meter and interval; `revision` shifts it (a corrected value)."""
    seed = hashlib.blake2b(f"{prm}|{start.isoformat()}".encode(), digest_size=4).digest()
    return 150 + int.from_bytes(seed) % 1200 + 7 * revision


def curve_body(prm: str, first: date, end: date, *, revision: int = 0, skip: Iterable[datetime] = ()) -> dict[str, Any]:
    """A v5 consumption load curve of the local days [first, end): half hours, labelled by their local end."""
    skipped = set(skip)
    points = []
    cursor, stop = local_midnight_utc(first, PARIS), local_midnight_utc(end, PARIS)
    while cursor < stop:
        if cursor not in skipped:
            label = (cursor.astimezone(PARIS).replace(tzinfo=None) + timedelta(minutes=30)).strftime(FMT)
            points.append({"value": str(watts(prm, cursor, revision)), "date": label, "interval_length": "PT30M"})
        cursor += timedelta(minutes=30)
    return {
        "meter_reading": {
            "usage_point_id": prm,
            "start": first.isoformat(),
            "end": end.isoformat(),
            "quality": "BRUT",
            "reading_type": {"unit": "W", "measurement_kind": "power", "aggregate": "average"},
            "interval_reading": points,
        }
    }


def land(
    conn: psycopg.Connection,
    meter_pk: int,
    first: date,
    end: date,
    body: dict[str, Any],
    fetched_at: datetime,
    endpoint: str = "consumption_load_curve",
) -> None:
    """One successful answer of `endpoint` for [first, end), through the landing's upsert."""
    text = json.dumps(body, sort_keys=True)
    conn.execute(
        LANDING["upsert_raw_load_curve"],
        {
            "meter_pk": meter_pk,
            "endpoint": endpoint,
            "window_start": first,
            "window_end": end,
            "api_version": "v5",
            "http_status": 200,
            "request": json.dumps({"start": first.isoformat(), "end": end.isoformat()}),
            "payload": text,
            "payload_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "fetched_at": fetched_at,
        },
    )


def night_at(night: date) -> datetime:
    return datetime.combine(night, time(1, 0), tzinfo=UTC)


def land_night(conn: psycopg.Connection, meters: list[tuple[int, str]], night: date) -> None:
    """The nightly of `night`: the trailing days up to yesterday fetched again (yesterday's values are still
    provisional: they are corrected the next night)."""
    first = night - timedelta(days=TRAILING_DAYS)
    for pk, prm in meters:
        body = curve_body(prm, first, night, revision=0)
        # the newest day is provisional: its values differ from those every later fetch carries
        provisional = curve_body(prm, night - timedelta(days=1), night, revision=1)["meter_reading"]["interval_reading"]
        body["meter_reading"]["interval_reading"][-len(provisional) :] = provisional  # 46 or 50 on a DST day
        land(conn, pk, first, night, body, night_at(night))
