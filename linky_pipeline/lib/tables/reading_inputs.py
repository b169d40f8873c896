"""What each meter's local day of readings is built from, so a rebuild parses only the days whose inputs changed.

A day's readings depend only on the ordered landed answers that can carry points of it (a later fetch wins per
interval), on how they are parsed (the meter id, the plausibility bounds, the parsers' code) and on the building's
time zone. Their digest is computed from the answers' metadata alone (no payload read, nothing parsed) and stored
per (meter, day) in reading_day_inputs beside the metrics the build left in reading_days that day.

Which days an answer can carry: every provider's points start inside its requested window [window_start,
window_end) of Brussels local days (Enedis checks the Paris day of each interval start, and Paris and Brussels
share their offsets; ORES asks for and checks [Brussels midnight of window_start, Brussels midnight of
window_end) in UTC; the CSV import lands one Brussels month per answer). The parsers refuse a point outside the
window when the answer lands. So for a building in Paris or Brussels the exact days are [window_start,
window_end - 1]; a building in any other time zone can see a point one local day earlier or later, so its
answers get a margin of a day on both sides. The builder checks this again on every answer it parses and
rebuilds the whole month if one breaks it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg

from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.sources.plausibility import PlausibilityBounds
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.tables.landed import Answer
from linky_pipeline.lib.tables.packing import DayRow

SQL = SqlFiles(__name__)
# Bump when parsing or packing changes what the same answers yield: every stored day is then rebuilt once.
INPUTS_VERSION: Final = 1
DAY: Final = timedelta(days=1)
PROVIDER_ZONES: Final = frozenset({"Europe/Paris", "Europe/Brussels"})  # the windows' local days are theirs

DayKey = tuple[int, date]  # (meter_pk, local day)


def carried_days(answer: Answer, tz: ZoneInfo) -> tuple[date, date]:
    """First and last local day (inclusive) in `tz` this answer can hold points of."""
    if tz.key in PROVIDER_ZONES:
        return answer.window_start, answer.window_end - DAY
    return answer.window_start - DAY, answer.window_end


def day_digests(
    meters: list[Meter], days: list[date], answers: list[Answer], tz: ZoneInfo, bounds: PlausibilityBounds
) -> dict[DayKey, bytes]:
    """Per meter and day, a digest of everything its readings are built from (answers in their fetch order)."""
    context = f"v{INPUTS_VERSION}|{tz.key}|{bounds!r}".encode()
    digests: dict[DayKey, bytes] = {}
    for meter in meters:
        mine = [(carried_days(a, tz), _identity(a)) for a in answers if a.meter_pk == meter.pk]
        for day in days:
            h = hashlib.sha256(context)
            h.update(f"|{meter.meter_id}".encode())
            for (first, last), identity in mine:
                if first <= day <= last:
                    h.update(identity)
            digests[(meter.pk, day)] = h.digest()
    return digests


def _identity(a: Answer) -> bytes:
    return (
        f"\n{a.endpoint}|{a.api_version}|{a.window_start}|{a.window_end}|{a.payload_sha256}|{a.content_hash}".encode()
    )


@dataclass(frozen=True, slots=True)
class StoredInputs:
    """What the month's days were last built from, and which metrics reading_days holds for them now."""

    digests: dict[DayKey, tuple[bytes, str]]  # (inputs_digest, metrics the build left)
    metrics: dict[DayKey, str]  # metrics in reading_days now

    def unchanged(self, key: DayKey, digest: bytes) -> bool:
        """Built from these inputs, and reading_days still holds what that build left (not truncated, erased)."""
        stored = self.digests.get(key)
        return stored is not None and stored[0] == digest and stored[1] == self.metrics.get(key, "")

    def rows_of(self, keys: Iterable[DayKey]) -> int:
        """reading_days rows of these days (what an unchanged day counts in `days_unchanged`)."""
        return sum(len(m.split(",")) for k in keys if (m := self.metrics.get(k, "")))


def stored_inputs(conn: psycopg.Connection, meter_pks: list[int], start: date, end: date) -> StoredInputs:
    params = {"meters": meter_pks, "start": start, "end": end}
    digests = {
        (r[0], r[1]): (bytes(r[2]), r[3]) for r in conn.execute(SQL["select_reading_day_inputs"], params).fetchall()
    }
    metrics = {(r[0], r[1]): r[2] for r in conn.execute(SQL["select_reading_day_metrics"], params).fetchall()}
    return StoredInputs(digests, metrics)


def record_inputs(
    conn: psycopg.Connection, digests: dict[DayKey, bytes], keys: Iterable[DayKey], rows: list[DayRow]
) -> None:
    """Store what these days were built from and the metrics their build left (rows: the days as written)."""
    left: dict[DayKey, list[str]] = {}
    for row in rows:
        left.setdefault((row.meter_pk, row.day), []).append(row.metric)
    chosen = sorted(keys)
    conn.execute(
        SQL["upsert_reading_day_inputs"],
        {
            "meters": [k[0] for k in chosen],
            "days": [k[1] for k in chosen],
            "digests": [digests[k] for k in chosen],
            "metrics": [",".join(sorted(left.get(k, []))) for k in chosen],
        },
    )


def forget_inputs(conn: psycopg.Connection, meter_pks: list[int], start: date, end: date) -> None:
    """These days were written from something else than their answers: the next build must redo them."""
    conn.execute(SQL["delete_reading_day_inputs"], {"meters": meter_pks, "start": start, "end": end})


def outside_carried_days(answers: list[Answer], parsed: list[tuple[int, pd.DataFrame]], tz: ZoneInfo) -> list[int]:
    """Answers (indices) holding a point outside the days `carried_days` assumes: the digests would miss them."""
    wrong = []
    for i, frame in parsed:
        if frame.empty:
            continue
        first, last = carried_days(answers[i], tz)
        ts = frame["ts"]
        if ts.min().astimezone(tz).date() < first or ts.max().astimezone(tz).date() > last:
            wrong.append(i)
    return wrong
