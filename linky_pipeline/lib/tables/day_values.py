"""What each local day takes from a daily endpoint's landed answers, parsed only where those answers changed.

A day's official energy (daily endpoint) or peak power (max-power endpoint) is the value of the last answer, in
fetch order, holding a point for that day; only the answers that can carry the day can hold one (their windows:
lib/tables/reading_inputs.py `carried_days`). So a day's value is a function of those answers alone, and it is
kept in day_answer_values under their digest: a rebuild reads every other day's value back and parses, for the
days whose digest changed (the nightly's re-fetched days), the newest answer carrying them first and the older
ones only for the days it does not hold. A month never built parses
everything once, as before. Every answer parsed is checked against the days it was assumed to carry; one breaking
that assumption makes the whole month parsed again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import pandas as pd
import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.sources.plausibility import PlausibilityBounds
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.tables.landed import Answer, month_answers, parsed_answers
from linky_pipeline.lib.tables.reading_inputs import DayKey, carried_days, day_digests
from linky_pipeline.lib.tables.readings import month_days

SQL = SqlFiles(__name__)
# Bump when what a day takes from its answers changes (the columns read, the rule "last answer wins").
VALUES_VERSION: Final = 1

DayValue = tuple[float, datetime | None]  # the value, and its instant where the endpoint gives one


@dataclass
class EndpointDays:
    """The month's per-day values of one endpoint, and what it took to get them."""

    values: dict[DayKey, DayValue] = field(default_factory=dict)  # days without a value are absent
    answers: int = 0  # answers of the endpoint overlapping the month
    parsed: int = 0  # of which parsed (or taken from the parse cache) for this build


def endpoint_days(
    conn: psycopg.Connection,
    bm: BuildingMonth,
    meters: list[Meter],
    endpoint: str,
    column: str,
    at_column: str | None = None,
) -> EndpointDays:
    """Per (meter, day) of the month, `column` (and `at_column`) of the last answer of `endpoint` holding the day."""
    done = EndpointDays()
    if not meters:
        return done
    answers = month_answers(conn, meters, bm, (endpoint,))
    bounds = PlausibilityBounds.from_env()
    prefix = f"values v{VALUES_VERSION}|{endpoint}|{column}|{at_column}|".encode()
    digests = {
        k: hashlib.sha256(prefix + d).digest()
        for k, d in day_digests(meters, month_days(bm), answers, bm.tz, bounds).items()
    }
    kept = _kept_values(conn, meters, endpoint, bm)
    changed = {k for k, d in digests.items() if k not in kept or kept[k][0] != d}
    done.answers = len(answers)
    for key, (_digest, value) in kept.items():
        if key not in changed and value is not None:
            done.values[key] = value
    if not changed:
        return done
    found, parsed = _changed_values(conn, meters, answers, bounds, changed, bm, column, at_column)
    if parsed is None:  # an answer holds days its window does not: take every day from every answer
        changed = set(digests)
        done.values.clear()
        everything = parsed_answers(conn, meters, answers, bounds)
        found, done.parsed = _last_values(answers, everything, changed, column, at_column), len(everything)
    else:
        done.parsed = parsed
    done.values.update(found)
    chosen = sorted(changed)
    conn.execute(
        SQL["upsert_day_answer_values"],
        {
            "meters": [k[0] for k in chosen],
            "endpoint": endpoint,
            "days": [k[1] for k in chosen],
            "digests": [digests[k] for k in chosen],
            "values": [found[k][0] if k in found else None for k in chosen],
            "ats": [found[k][1] if k in found else None for k in chosen],
        },
    )
    return done


def _changed_values(
    conn: psycopg.Connection,
    meters: list[Meter],
    answers: list[Answer],
    bounds: PlausibilityBounds,
    changed: set[DayKey],
    bm: BuildingMonth,
    column: str,
    at_column: str | None,
) -> tuple[dict[DayKey, DayValue], int | None]:
    """The changed days' values and how many answers that parsed (None: an answer broke `carried_days`).

    The last answer holding a day wins, so the newest answer carrying a changed day (per meter: the nightly's
    answer, which holds every re-fetched day) is parsed first; the older answers carrying a day it does not hold
    are parsed only then (a gap, a day another answer corrected). At most two reads of payloads."""
    carriers = [i for i, a in enumerate(answers) if _carries_any(a, changed, bm)]
    newest = sorted({answers[i].meter_pk: i for i in carriers}.values())
    parsed = parsed_answers(conn, meters, answers, bounds, newest)
    if _outside_carried_days(answers, parsed, bm):
        return {}, None
    found = _last_values(answers, parsed, changed, column, at_column)
    missing = changed - found.keys()
    older = [i for i in carriers if i not in newest and _carries_any(answers[i], missing, bm)]
    if older:
        more = parsed_answers(conn, meters, answers, bounds, older)
        if _outside_carried_days(answers, more, bm):
            return {}, None
        parsed = sorted(parsed + more, key=lambda p: p[0])  # fetch order: the last holding a day wins
        found |= _last_values(answers, parsed, missing, column, at_column)
    return found, len(parsed)


def _kept_values(
    conn: psycopg.Connection, meters: list[Meter], endpoint: str, bm: BuildingMonth
) -> dict[DayKey, tuple[bytes, DayValue | None]]:
    rows = conn.execute(
        SQL["select_day_answer_values"],
        {"meters": [m.pk for m in meters], "endpoint": endpoint, "start": bm.month, "end": bm.next_month},
    ).fetchall()
    return {(r[0], r[1]): (bytes(r[2]), None if r[3] is None else (float(r[3]), r[4])) for r in rows}


def _carries_any(answer: Answer, changed: set[DayKey], bm: BuildingMonth) -> bool:
    first, last = carried_days(answer, bm.tz)
    return any(k[0] == answer.meter_pk and first <= k[1] <= last for k in changed)


def _outside_carried_days(answers: list[Answer], parsed: list[tuple[int, pd.DataFrame]], bm: BuildingMonth) -> bool:
    for i, frame in parsed:
        if frame.empty:
            continue
        first, last = carried_days(answers[i], bm.tz)
        if frame["day"].min() < first or frame["day"].max() > last:
            return True
    return False


def _last_values(
    answers: list[Answer],
    parsed: list[tuple[int, pd.DataFrame]],
    days: set[DayKey],
    column: str,
    at_column: str | None,
) -> dict[DayKey, DayValue]:
    """Each day's value in the last answer (fetch order; last row within an answer) holding it."""
    found: dict[DayKey, DayValue] = {}
    for i, frame in parsed:
        if frame.empty:
            continue
        pk = answers[i].meter_pk
        ats: list[datetime | None] = (
            [t.to_pydatetime() for t in frame[at_column]] if at_column is not None else [None] * len(frame)
        )
        for day, value, at in zip(frame["day"], frame[column], ats, strict=True):
            if (pk, day) in days:
                found[(pk, day)] = (float(value), at)
    return found
