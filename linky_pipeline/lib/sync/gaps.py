"""Gaps as a whole: which building-months have gaps due again (the nightly schedule asks for them, whatever month
they are in), what was given up and why, and re-opening given-up days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg

from linky_pipeline.lib.domain.localtime import month_start
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)


def due_gap_months(conn: psycopg.Connection, reference: date, before: date) -> dict[str, tuple[date, date]]:
    """building → (first, last) month holding gaps of active meters due again by `reference`, for days before
    `before` (the nightly run covers the rest)."""
    rows = conn.execute(SQL["select_due_gaps"], {"reference": reference, "before": before}).fetchall()
    return {building: (month_start(first), month_start(last)) for building, first, last in rows}


@dataclass(frozen=True)
class GapCounts:
    """Missing days of one building, by state."""

    building: str
    waiting: int  # still asked again on the schedule
    due: int  # of those, due by the reference date
    given_up: int
    next_attempt: date | None
    reasons: list[str]  # distinct give-up reasons (a sample)


def gap_counts(conn: psycopg.Connection, reference: date, buildings: list[str] | None = None) -> list[GapCounts]:
    rows = conn.execute(SQL["select_gap_counts"], {"reference": reference, "buildings": buildings}).fetchall()
    return [GapCounts(b, int(w), int(d), int(g), n, list(r or [])) for b, w, d, g, n, r in rows]


def reopen_given_up(conn: psycopg.Connection, reference: date, building: str | None, meter_id: str | None) -> int:
    """Given-up days asked again from `reference` on (their attempt count starts over). Caller's transaction."""
    return conn.execute(
        SQL["reopen_given_up"], {"reference": reference, "building": building, "meter_id": meter_id}
    ).rowcount
