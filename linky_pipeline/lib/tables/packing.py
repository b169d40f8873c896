"""Canonical readings ⇄ reading_days rows (one per meter × metric × local day), and what changed between two
versions of a day. Pure: no database.

Energy is kept in integer millijoules (kWh × 3.6e9): exact for W × whole seconds (W with up to 3 decimals), Wh with
up to 5 decimals and kWh with up to 8, i.e. everything the sources deliver, so sums over any range are exact, and
`mJ / 3.6e9` gives back the very float64 the parser produced for those values.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from linky_pipeline.lib.domain.localtime import local_midnight_utc
from linky_pipeline.lib.tables import pgbinary as pgb

MJ_PER_KWH: Final = 3_600_000_000
MAX_KWH: Final = 1e6  # the CHECK of reading_days (< 3.6e15 mJ)
Key = tuple[int, str, date]


class ReadingValueError(ValueError):
    """A reading cannot be stored: names the field, the value and the interval."""

    def __init__(self, column: str, value: object, where: str, reason: str) -> None:
        super().__init__(f"{column}={value!r} at {where}: {reason}")
        self.column = column
        self.value = value


@dataclass(slots=True, eq=False)
class DayRow:
    """One reading_days row. quality/source hold one value when uniform over the day, else one per interval.
    `refs` (not stored) says, per interval, which landed answer the value came from. `encoded` caches the row as a
    binary COPY tuple, and `arrays_at` where its length-prefixed array fields start."""

    meter_pk: int
    metric: str
    day: date
    offset_s: np.ndarray
    interval_s: np.ndarray
    energy_mj: np.ndarray
    quality: list[str]
    source: list[str]
    refs: np.ndarray | None = None
    encoded: bytes | None = None
    arrays_at: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.offset_s, np.ndarray):  # read back from the database: lists
            self.offset_s = np.asarray(self.offset_s, dtype=np.int32)
            self.interval_s = np.asarray(self.interval_s, dtype=np.int32)
            self.energy_mj = np.asarray(self.energy_mj, dtype=np.int64)

    @property
    def key(self) -> Key:
        return (self.meter_pk, self.metric, self.day)

    def copy_tuple(self) -> bytes:
        if self.encoded is None:
            self.encoded, self.arrays_at = pgb.day_tuple(
                self.meter_pk,
                self.metric,
                self.day,
                pgb.int_elements(self.offset_s, pgb.INT4),
                pgb.int_elements(self.interval_s, pgb.INT4),
                pgb.int_elements(self.energy_mj, pgb.INT8),
                pgb.text_array(self.quality),
                pgb.text_array(self.source),
            )
        return self.encoded

    def digest(self) -> str:
        """md5 of the row's array fields as a binary COPY sends them (length, then array_send bytes); the server
        computes the same over a stored row (tables/sql/select_reading_day_digests.sql), so equal digests mean an
        unchanged day."""
        data = self.copy_tuple()
        return hashlib.md5(data[self.arrays_at :], usedforsecurity=False).hexdigest()

    def ts(self, i: int) -> datetime:
        """UTC start of interval i (offsets count from 00:00 UTC of `day`)."""
        origin = datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)
        return origin + timedelta(seconds=int(self.offset_s[i]))

    def quality_at(self, i: int) -> str:
        return self.quality[0] if len(self.quality) == 1 else self.quality[i]


def _check(frame: pd.DataFrame, kwh: np.ndarray, interval: np.ndarray) -> None:
    bad_kwh = ~np.isfinite(kwh) | (kwh < 0) | (kwh >= MAX_KWH)
    bad_interval = (interval <= 0) | (interval > 86_400)
    for bad, column, values, reason in (
        (bad_kwh, "kwh", kwh, f"expected a finite energy in [0, {MAX_KWH:g}) kWh"),
        (bad_interval, "interval_s", interval, "expected 1 to 86 400 seconds"),
    ):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            where = f"meter_pk={int(frame['meter_pk'].iloc[i])} ts={frame['ts'].iloc[i].isoformat()}"
            raise ReadingValueError(column, values[i].item(), where, reason)


def _uniform_groups(labels: np.ndarray, group_of: np.ndarray, groups: int) -> np.ndarray:
    """True per group when every element of the group has the group's first label."""
    differs = np.zeros(len(labels), dtype=bool)
    differs[1:] = labels[1:] != labels[:-1]
    differs[1:] &= group_of[1:] == group_of[:-1]  # a change at a group boundary is not a mix inside the group
    return ~np.bincount(group_of, weights=differs, minlength=groups).astype(bool)


@lru_cache(maxsize=65_536)
def _midnight_us(day: date, tz: ZoneInfo) -> int:
    return int(local_midnight_utc(day, tz).timestamp()) * 1_000_000


def _local_days(utc: np.ndarray, tz: ZoneInfo) -> np.ndarray:
    """The local date of each UTC instant (naive datetime64[us]): a search among the local midnights of the span,
    computed once per day with zoneinfo, instead of converting every instant."""
    first = (utc.min() - np.timedelta64(1, "D")).astype("datetime64[D]")
    last = (utc.max() + np.timedelta64(1, "D")).astype("datetime64[D]")
    days = np.arange(first, last + np.timedelta64(1, "D"), dtype="datetime64[D]")
    epoch_us = [_midnight_us(d, tz) for d in days.tolist()]
    midnights = np.array(epoch_us, dtype=np.int64).view("datetime64[us]")
    dates: np.ndarray = days[np.searchsorted(midnights, utc, side="right") - 1]
    return dates


def pack_days(frame: pd.DataFrame, tz: ZoneInfo) -> list[DayRow]:
    """Canonical readings (meter_pk, metric, ts, interval_s, kwh, quality, source [, ref]) of one building → day
    rows, the day being the local day of the interval start in `tz`. One row per (meter_pk, metric, ts) expected.
    Vectorised: the binary form of every array is built once for the whole frame and sliced per day."""
    if frame.empty:
        return []
    meter = frame["meter_pk"].to_numpy(dtype=np.int64)
    metric = frame["metric"].to_numpy(dtype=object)
    utc = frame["ts"].to_numpy(dtype="datetime64[us]")  # UTC, naive
    order = np.lexsort((utc, metric == "production", meter))
    if not (order[1:] > order[:-1]).all():
        frame = frame.iloc[order].reset_index(drop=True)
        meter, metric, utc = meter[order], metric[order], utc[order]
    kwh = frame["kwh"].to_numpy(dtype=np.float64)
    interval = frame["interval_s"].to_numpy(dtype=np.int64)
    _check(frame, kwh, interval)
    local_day = _local_days(utc, tz)
    offset = ((utc - local_day.astype("datetime64[us]")) // np.timedelta64(1, "s")).astype(np.int32)
    interval32 = interval.astype(np.int32)
    energy = np.rint(kwh * MJ_PER_KWH).astype(np.int64)
    quality = frame["quality"].to_numpy(dtype=object)
    source = frame["source"].to_numpy(dtype=object)
    refs = frame["ref"].to_numpy(dtype=np.int64) if "ref" in frame else np.full(len(frame), -1, dtype=np.int64)
    changed = np.ones(len(frame), dtype=bool)
    changed[1:] = (meter[1:] != meter[:-1]) | (metric[1:] != metric[:-1]) | (local_day[1:] != local_day[:-1])
    starts = np.flatnonzero(changed)
    ends = np.append(starts[1:], len(frame))
    group_of = np.cumsum(changed) - 1
    one_quality = _uniform_groups(quality, group_of, len(starts)).tolist()
    one_source = _uniform_groups(source, group_of, len(starts)).tolist()
    offsets_b = pgb.int_elements(offset, pgb.INT4)  # every row's elements at once; each day takes a slice
    intervals_b = pgb.int_elements(interval32, pgb.INT4)
    energies_b = pgb.int_elements(energy, pgb.INT8)
    days = local_day[starts].astype(object).tolist()
    meters, metrics = meter[starts].tolist(), [str(m) for m in metric[starts]]
    first_quality, first_source = [str(q) for q in quality[starts]], [str(x) for x in source[starts]]
    rows = []
    for g, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        qualities = [first_quality[g]] if one_quality[g] else [str(q) for q in quality[s:e]]
        sources = [first_source[g]] if one_source[g] else [str(x) for x in source[s:e]]
        row = DayRow(meters[g], metrics[g], days[g], offset[s:e], interval32[s:e], energy[s:e], qualities, sources)
        row.refs = refs[s:e]
        row.encoded, row.arrays_at = pgb.day_tuple(
            meters[g],
            metrics[g],
            days[g],
            offsets_b[8 * s : 8 * e],
            intervals_b[8 * s : 8 * e],
            energies_b[12 * s : 12 * e],
            pgb.text_array(qualities),
            pgb.text_array(sources),
        )
        rows.append(row)
    return rows


@dataclass(frozen=True, slots=True)
class Revision:
    """A stored interval whose value changed (new_* set) or that no answer carries any more (new_* None)."""

    meter_pk: int
    metric: str
    ts: datetime
    old_interval_s: int
    old_mj: int
    old_quality: str
    new_interval_s: int | None
    new_mj: int | None
    new_quality: str | None
    ref: int  # index of the landed answer that brought the new value, -1 when withdrawn


def revisions(old: DayRow, new: DayRow | None) -> list[Revision]:
    """Intervals of `old` whose energy or length differs in `new` (or that `new` no longer has). Intervals only
    in `new` are additions, not revisions; a quality change alone (BRUT → BEST, same value) is not a revision."""
    now: dict[int, int] = {} if new is None else {o: i for i, o in enumerate(new.offset_s.tolist())}
    old_lengths, old_energy = old.interval_s.tolist(), old.energy_mj.tolist()
    found = []
    for i, offset in enumerate(old.offset_s.tolist()):
        j = now.get(offset)
        after: tuple[int | None, int | None, str | None, int] = (None, None, None, -1)
        if j is not None and new is not None:
            length, energy = int(new.interval_s[j]), int(new.energy_mj[j])
            if (length, energy) == (old_lengths[i], old_energy[i]):
                continue
            after = (length, energy, new.quality_at(j), int(new.refs[j]) if new.refs is not None else -1)
        found.append(
            Revision(old.meter_pk, old.metric, old.ts(i), old_lengths[i], old_energy[i], old.quality_at(i), *after)
        )
    return found
