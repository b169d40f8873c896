"""What a sync run planned and how far it got, in the warehouse (`sync_runs`, `sync_progress`,
`sync_lost_buildings`): counted in the transaction that lands each window, so even a killed run's rows say what
landed. Read by `linky-pipeline backfill status` and by the run's final verdict."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import psycopg

from linky_pipeline.lib.domain.policy import SyncMode

KEEP_FINISHED = timedelta(days=30)  # finished runs' progress is kept this long


@dataclass(frozen=True)
class LaneProgress:
    """One building's windows on one API in one run."""

    run_id: str
    mode: str
    started_at: datetime
    building: str
    api: str
    planned: int
    landed: int
    failed: int
    api_calls: int
    updated_at: datetime
    finished_at: datetime | None

    @property
    def remaining(self) -> int:
        return max(0, self.planned - self.landed - self.failed)


def start_run(
    conn: psycopg.Connection,
    run_id: str,
    mode: SyncMode,
    reference: date,
    planned: Mapping[tuple[str, str], int],
) -> None:
    """Register the run and its planned windows per (building, API); a resumed run (same id) adds its new plan to
    what it already landed. Caller's transaction."""
    now = datetime.now(UTC)
    conn.execute("DELETE FROM sync_runs WHERE finished_at < %s", (now - KEEP_FINISHED,))
    conn.execute(
        "INSERT INTO sync_runs (run_id, mode, reference, started_at) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (run_id) DO UPDATE SET finished_at = NULL, outcome = NULL, failure = NULL",
        (run_id, mode, reference, now),
    )
    conn.execute("DELETE FROM sync_lost_buildings WHERE run_id = %s", (run_id,))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO sync_progress (run_id, building_code, api, windows_planned, updated_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (run_id, building_code, api) DO UPDATE "
            "SET windows_planned = sync_progress.windows_landed + EXCLUDED.windows_planned, windows_failed = 0, "
            "updated_at = EXCLUDED.updated_at",
            [(run_id, building, api, n, now) for (building, api), n in sorted(planned.items())],
        )


def count_window(conn: psycopg.Connection, run_id: str, building: str, api: str, calls: int, *, landed: bool) -> None:
    """One window done (landed or failed) and the HTTP calls it took. Caller's transaction."""
    column = "windows_landed" if landed else "windows_failed"
    conn.execute(
        f"UPDATE sync_progress SET {column} = {column} + 1, api_calls = api_calls + %s, updated_at = %s "
        "WHERE run_id = %s AND building_code = %s AND api = %s",
        (calls, datetime.now(UTC), run_id, building, api),
    )


def finish_run(conn: psycopg.Connection, run_id: str, failure: str | None, lost: Mapping[str, str]) -> None:
    """The run's outcome and the buildings that lost every meter. Caller's transaction."""
    conn.execute(
        "UPDATE sync_runs SET finished_at = %s, outcome = %s, failure = %s WHERE run_id = %s",
        (datetime.now(UTC), "failed" if failure else "succeeded", failure, run_id),
    )
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO sync_lost_buildings (run_id, building_code, reason) VALUES (%s, %s, %s) "
            "ON CONFLICT (run_id, building_code) DO UPDATE SET reason = EXCLUDED.reason",
            [(run_id, b, r) for b, r in sorted(lost.items())],
        )


def run_verdict(conn: psycopg.Connection, run_id: str) -> tuple[str | None, str | None, dict[str, str]]:
    """(outcome, failure, building → reason) of a run; (None, None, {}) while it runs or when unknown."""
    row = conn.execute("SELECT outcome, failure FROM sync_runs WHERE run_id = %s", (run_id,)).fetchone()
    if row is None:
        return None, None, {}
    lost = conn.execute(
        "SELECT building_code, reason FROM sync_lost_buildings WHERE run_id = %s ORDER BY building_code", (run_id,)
    ).fetchall()
    return row[0], row[1], dict(lost)


def lanes(conn: psycopg.Connection, *, include_finished_after: datetime | None = None) -> list[LaneProgress]:
    """Progress rows of the runs still going (and of those finished after `include_finished_after`), oldest run
    first, buildings in the order they were planned."""
    rows = conn.execute(
        "SELECT r.run_id, r.mode, r.started_at, p.building_code, p.api, p.windows_planned, p.windows_landed, "
        "p.windows_failed, p.api_calls, p.updated_at, r.finished_at "
        "FROM sync_progress p JOIN sync_runs r USING (run_id) "
        "WHERE r.finished_at IS NULL OR r.finished_at > %(after)s "
        "ORDER BY r.started_at, r.run_id, p.building_code, p.api",
        {"after": include_finished_after},
    ).fetchall()
    return [LaneProgress(*row) for row in rows]


def buildings_of(rows: Iterable[LaneProgress]) -> list[str]:
    seen: dict[str, None] = {}
    for r in rows:
        seen.setdefault(r.building, None)
    return list(seen)
