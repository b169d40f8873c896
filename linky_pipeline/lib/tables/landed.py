"""The landed answers a building-month is built from, each parsed once per content.

An answer often serves several building-months (a 7-day curve window across a month boundary, a 365-day daily
window for twelve months), and several tables (readings, then daily for its days). Parsed frames are kept in a
bounded LRU keyed by the answer's identity and the database's hash of its payload, so an answer changed in place
is parsed again and an unchanged one never twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import pandas as pd
import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.sources.catalog import parse_landed
from linky_pipeline.lib.sources.plausibility import PlausibilityBounds
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)
CACHE_ROWS: Final = 1_000_000  # parsed rows kept across building-months (≈ 100 MB)


@dataclass(frozen=True, slots=True)
class Answer:
    """One landed answer (a raw_load_curves row), as revisions name it."""

    meter_pk: int
    endpoint: str
    api_version: str
    window_start: date
    window_end: date
    payload_sha256: str
    fetched_at: datetime
    content_hash: int  # jsonb_hash_extended of the stored payload


# the plausibility bounds are part of the key: a frame parsed under other bounds kept other points
CacheKey = tuple[int, str, str, date, date, str, int, PlausibilityBounds]


class ParsedAnswers:
    """LRU of parsed frames bounded by their total row count; safe across threads."""

    def __init__(self, max_rows: int = CACHE_ROWS) -> None:
        self.max_rows = max_rows
        self._frames: OrderedDict[CacheKey, pd.DataFrame] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()
        self.parsed = 0  # answers parsed since creation (a measure of re-parsing)

    def get(self, key: CacheKey) -> pd.DataFrame | None:
        with self._lock:
            frame = self._frames.get(key)
            if frame is not None:
                self._frames.move_to_end(key)
            return frame

    def put(self, key: CacheKey, frame: pd.DataFrame) -> None:
        with self._lock:
            self.parsed += 1
            if key in self._frames:
                return
            self._frames[key] = frame
            self._rows += len(frame)
            while self._rows > self.max_rows and len(self._frames) > 1:
                _, dropped = self._frames.popitem(last=False)
                self._rows -= len(dropped)


PARSED = ParsedAnswers()


def _key(answer: Answer, meter_id: str, bounds: PlausibilityBounds, content_hash: int | None = None) -> CacheKey:
    return (
        answer.meter_pk,
        answer.endpoint,
        answer.api_version,
        answer.window_start,
        answer.window_end,
        meter_id,
        answer.content_hash if content_hash is None else content_hash,
        bounds,
    )


def _fetch_payloads(conn: psycopg.Connection, missing: list[Answer]) -> dict[tuple[Any, ...], tuple[int, Any]]:
    rows = conn.execute(
        SQL["select_landed_payloads"],
        {
            "meters": [a.meter_pk for a in missing],
            "endpoints": [a.endpoint for a in missing],
            "starts": [a.window_start for a in missing],
            "ends": [a.window_end for a in missing],
        },
    ).fetchall()
    return {(r[0], r[1], r[2], r[3]): (int(r[4]), r[5]) for r in rows}


def month_answers(
    conn: psycopg.Connection, meters: list[Meter], bm: BuildingMonth, endpoints: tuple[str, ...]
) -> list[Answer]:
    """Every successful answer of these endpoints overlapping the month, oldest fetch first (metadata only)."""
    params = {"meters": [m.pk for m in meters], "endpoints": list(endpoints), "start": bm.month, "end": bm.next_month}
    return [Answer(*row) for row in conn.execute(SQL["select_landed_answers"], params).fetchall()]


def parsed_answers(
    conn: psycopg.Connection,
    meters: list[Meter],
    answers: list[Answer],
    bounds: PlausibilityBounds,
    wanted: list[int] | None = None,
) -> list[tuple[int, pd.DataFrame]]:
    """The parsed frames (cached) of `answers[i]` for i in `wanted` (all by default), in that order; payloads of
    the ones not cached are read in one query."""
    by_pk = {m.pk: m for m in meters}
    indices = list(range(len(answers))) if wanted is None else wanted
    frames = {i: PARSED.get(_key(answers[i], by_pk[answers[i].meter_pk].meter_id, bounds)) for i in indices}
    missing = [i for i in indices if frames[i] is None]
    if missing:
        payloads = _fetch_payloads(conn, [answers[i] for i in missing])
        for i in missing:
            answer = answers[i]
            content_hash, payload = payloads[(answer.meter_pk, answer.endpoint, answer.window_start, answer.window_end)]
            meter_id = by_pk[answer.meter_pk].meter_id
            parsed = parse_landed(answer.endpoint, answer.api_version, payload, meter_id, bounds)
            PARSED.put(_key(answer, meter_id, bounds, content_hash), parsed)
            frames[i] = parsed
    return [(i, f) for i in indices if (f := frames[i]) is not None]


def answers_frame(answers: list[Answer], parsed: list[tuple[int, pd.DataFrame]]) -> pd.DataFrame:
    """Parsed frames as one, with meter_pk and `ref` (index into `answers`) added; order kept."""
    kept = [f.assign(meter_pk=answers[i].meter_pk, ref=i) for i, f in parsed if not f.empty]
    return pd.concat(kept, ignore_index=True) if kept else pd.DataFrame()


def landed_answers(
    conn: psycopg.Connection, meters: list[Meter], bm: BuildingMonth, endpoints: tuple[str, ...]
) -> tuple[pd.DataFrame, list[Answer]]:
    """Every successful answer of these endpoints overlapping the month, parsed (cached), oldest fetch first, as
    one frame with meter_pk and `ref` (index into the returned answers) added."""
    answers = month_answers(conn, meters, bm, endpoints)
    return answers_frame(answers, parsed_answers(conn, meters, answers, PlausibilityBounds.from_env())), answers


def raw_frames(
    conn: psycopg.Connection, meters: list[Meter], bm: BuildingMonth, endpoints: tuple[str, ...]
) -> pd.DataFrame:
    """The parsed answers of these endpoints overlapping the month (a later fetch comes later in the frame)."""
    return landed_answers(conn, meters, bm, endpoints)[0]
