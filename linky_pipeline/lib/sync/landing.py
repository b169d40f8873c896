"""The landing zone's per-day fetch state: written by the sync, read by the planner and the table builders."""

from __future__ import annotations

from datetime import date

import psycopg

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.domain.policy import DayState
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)
KnownStates = dict[tuple[int, str], dict[date, DayState]]


def known_states(conn: psycopg.Connection, meter_pks: list[int], start: date, end: date) -> KnownStates:
    """(meter pk, endpoint) → day → state, for days in [start, end)."""
    rows = conn.execute(SQL["select_fetch_state"], {"meters": meter_pks, "start": start, "end": end})
    known: KnownStates = {}
    for meter_pk, endpoint, day, status, final, attempts, next_attempt, first_fetched_at, points in rows:
        first = first_fetched_at.astimezone(PARIS).date() if first_fetched_at is not None else None
        known.setdefault((meter_pk, endpoint), {})[day] = DayState(status, final, attempts, next_attempt, first, points)
    return known
