"""Answers landed the way nightly runs land them (each night the trailing days re-fetched and the new day added),
written with the landing's own upsert so the table builders meet what production leaves: load curves, and for
the daily tables the daily energy and max-power answers with the days' fetch state."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import psycopg

from linky_pipeline.lib.domain.localtime import PARIS, local_midnight_utc
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline_tests.support.enedis_payloads import v5_body

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


DAILY_ENDPOINT = "daily_consumption"
MAX_POWER_ENDPOINT = "daily_consumption_max_power"


def _wh(prm: str, day: date, revision: int) -> int:
    seed = hashlib.blake2b(f"{prm}|{day}".encode(), digest_size=4).digest()
    return 5_000 + int.from_bytes(seed) % 20_000 + 13 * revision


def daily_body(prm: str, first: date, end: date, revision: int = 0, skip: date | None = None) -> dict[str, Any]:
    """A v5 daily energy answer (Wh per day of [first, end)); the newest day is provisional (shifted by one)."""
    days = [first + timedelta(days=i) for i in range((end - first).days)]
    points = [{"value": str(_wh(prm, d, revision + (d == days[-1]))), "date": d.isoformat()} for d in days if d != skip]
    return v5_body(prm, first, end, points, unit="Wh")


def power_body(prm: str, first: date, end: date, revision: int = 0, skip: date | None = None) -> dict[str, Any]:
    """A v5 max-power answer (VA peak per day of [first, end) and its Paris moment); the newest day provisional."""
    days = [first + timedelta(days=i) for i in range((end - first).days)]
    points = []
    for d in days:
        if d != skip:
            shift = revision + (d == days[-1])
            moment = datetime.combine(d, time((_wh(prm, d, 0) + shift) % 24, 10 * (shift % 6)))
            value = str(3_000 + _wh(prm, d, shift) % 6_000)
            points.append({"value": value, "date": moment.strftime(FMT)})
    return v5_body(prm, first, end, points, unit="VA")


def record_states(conn: psycopg.Connection, rows: list[tuple[int, str, date, str]], fetched_at: datetime) -> None:
    """fetch_state of (meter pk, endpoint, day, status) rows, as the sync leaves it after a fetch (one statement)."""
    conn.execute(
        "INSERT INTO fetch_state (meter_pk, endpoint, day, status, points, is_final, fetched_at) "
        "SELECT *, 1, false, %(at)s FROM unnest(%(meters)s::bigint[], %(endpoints)s::text[], %(days)s::date[], "
        "%(statuses)s::text[]) ON CONFLICT (meter_pk, endpoint, day) DO UPDATE "
        "SET status = EXCLUDED.status, fetched_at = EXCLUDED.fetched_at",
        {
            "meters": [r[0] for r in rows],
            "endpoints": [r[1] for r in rows],
            "days": [r[2] for r in rows],
            "statuses": [r[3] for r in rows],
            "at": fetched_at,
        },
    )


def land_daily_night(
    conn: psycopg.Connection, meters: list[tuple[int, str]], night: date, gaps: dict[int, date] | None = None
) -> None:
    """The nightly of `night` for the daily tables: its load curves (`land_night`), the trailing days of the daily
    energy and max-power endpoints, and the fetch state of those days. A meter's gap day (`gaps`) is in none of
    its answers and recorded as no data."""
    land_night(conn, meters, night)
    first = night - timedelta(days=TRAILING_DAYS)
    days = [first + timedelta(days=i) for i in range(TRAILING_DAYS)]
    states = []
    for pk, prm in meters:
        gap = (gaps or {}).get(pk)
        for endpoint, body in ((DAILY_ENDPOINT, daily_body), (MAX_POWER_ENDPOINT, power_body)):
            land(conn, pk, first, night, body(prm, first, night, skip=gap), night_at(night), endpoint)
        for endpoint in ("consumption_load_curve", DAILY_ENDPOINT, MAX_POWER_ENDPOINT):
            states += [(pk, endpoint, d, "no_data" if d == gap else "complete") for d in days]
    record_states(conn, states, night_at(night))
