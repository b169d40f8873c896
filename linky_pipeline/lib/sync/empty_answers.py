"""No silent empty answers: an HTTP 200 that yields no point for a day the API should have data for.

The client only asks for days that are expected (an active meter, inside the provider's horizon, published, not
before activation; a missing or revoked consent answers 403, not 200), so each such day is recorded in
`empty_answers` in the landing transaction, reported by the landing asset's WARN check, and notified once per
meter and day through the outbox. The day itself stays a `no_data` gap in fetch_state, so nothing is lost: a later
answer with points lands as usual and marks the day resolved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import psycopg

from linky_pipeline.lib.notify.meter_events import enqueue_meter_event
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)
KIND = "empty_answer"


@dataclass(frozen=True)
class EmptyDays:
    """What one fetch of one meter and endpoint answered: days empty despite a 200, days that brought points."""

    meter_pk: int
    meter_id: str
    endpoint: str
    empty: list[date]
    with_points: list[date]


def record_empty_answers(conn: psycopg.Connection, found: Iterable[EmptyDays], now: datetime) -> dict[str, list[str]]:
    """Record every empty day (caller's transaction; `answers` counts the empty 200s of every endpoint), mark days
    that now have points resolved, and enqueue one notification per meter for its days never recorded before.
    Returns meter id → its empty days of this run."""
    new_days: dict[int, set[date]] = {}
    endpoints: dict[int, set[str]] = {}
    reported: dict[str, set[str]] = {}
    for item in found:
        if item.with_points:
            conn.execute(
                SQL["resolve_empty_answers"], {"meter_pk": item.meter_pk, "days": item.with_points, "now": now}
            )
        for day in item.empty:
            row = conn.execute(
                SQL["upsert_empty_answer"],
                {"meter_pk": item.meter_pk, "day": day, "endpoint": item.endpoint, "now": now},
            ).fetchone()
            if row is not None and row[0]:
                new_days.setdefault(item.meter_pk, set()).add(day)
            endpoints.setdefault(item.meter_pk, set()).add(item.endpoint)
            reported.setdefault(item.meter_id, set()).add(day.isoformat())
    for meter_pk, days in new_days.items():
        listed = sorted(d.isoformat() for d in days)
        key = hashlib.sha256(",".join(listed).encode()).hexdigest()[:16]
        enqueue_meter_event(
            conn,
            KIND,
            meter_pk,
            f"{listed[0]}..{listed[-1]}:{key}",
            {"days": listed, "endpoints": sorted(endpoints[meter_pk])},
        )
    return {meter: sorted(days) for meter, days in sorted(reported.items())}
