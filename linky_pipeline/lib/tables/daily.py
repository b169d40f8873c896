"""daily_consumption: one row per meter and local day we expect data for.

The official daily energy (a daily endpoint) is the figure used when the provider serves one; the curve's sum
sits beside it so the two can be compared (energy conservation). Completeness is the share of the local day's
real length covered by curve intervals (23 h / 24 h / 25 h days); for days outside the curve horizon no curve is
expected, so completeness says whether the official figure exists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.coverage import NOT_MEASURED
from linky_pipeline.lib.domain.localtime import day_length_seconds, days_in_range, local_midnight_utc
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.sources.catalog import DAILY_ENDPOINTS, curve_endpoint, provider
from linky_pipeline.lib.sources.provider import eligible_days
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.lib.sync.landing import known_states
from linky_pipeline.lib.tables.day_values import EndpointDays, endpoint_days
from linky_pipeline.lib.tables.month_rows import RowsWrite, write_changed_rows
from linky_pipeline.lib.tables.packing import MJ_PER_KWH

SQL = SqlFiles(__name__)
DEFAULT_INTERVAL_S: Final = 1800
COLUMNS: Final = (
    "building_code",
    "meter_pk",
    "metric",
    "day",
    "total_kwh",
    "source_used",
    "official_kwh",
    "curve_kwh",
    "interval_count",
    "expected_count",
    "completeness",
    "min_interval_kwh",
    "max_interval_kwh",
    "avg_interval_kwh",
)


@dataclass(frozen=True)
class CurveDay:
    """A local day's load-curve intervals summed up (energy in exact millijoules)."""

    n: int
    covered_s: int
    sum_mj: int
    min_mj: int
    max_mj: int
    expected: int  # intervals a complete day would hold at the lengths this day really has

    @property
    def kwh(self) -> float:
        return self.sum_mj / MJ_PER_KWH


def expected_intervals(offsets: list[int], lengths: list[int], day_start: int, day_end: int) -> int:
    """Intervals a complete day holds given the ones it has: each received interval, plus each uncovered stretch
    divided by the length in force there (the interval before it; before the first, the first one's). A complete
    PT30M→PT10M day expects what it holds, not its length ÷ the most common interval."""
    expected, cursor, length = 0, day_start, lengths[0]
    for offset, interval in zip(offsets, lengths, strict=True):
        if offset > cursor:
            expected += -(-(offset - cursor) // length)
        expected += 1
        cursor, length = max(cursor, offset + interval), interval
    if day_end > cursor:
        expected += -(-(day_end - cursor) // length)
    return expected


def curve_days(conn: psycopg.Connection, meter: Meter, bm: BuildingMonth) -> dict[date, CurveDay]:
    rows = conn.execute(
        SQL["select_curve_days"], {"meter_pk": meter.pk, "start": bm.month, "end": bm.next_month}
    ).fetchall()
    found = {}
    for day, offsets, lengths, energies in rows:
        start = int((local_midnight_utc(day, bm.tz) - _utc_midnight(day)).total_seconds())
        found[day] = CurveDay(
            len(offsets),
            sum(lengths),
            sum(energies),
            min(energies),
            max(energies),
            expected_intervals(offsets, lengths, start, start + day_length_seconds(day, bm.tz)),
        )
    return found


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _fetched_days(conn: psycopg.Connection, meter: Meter, bm: BuildingMonth) -> dict[str, set[date]]:
    """Days already fetched, per endpoint: they keep their rows when the horizon later moves past them, so a
    re-run of an old month is identical instead of dropping days that are still in the warehouse."""
    known = known_states(conn, [meter.pk], bm.month, bm.next_month)
    fetched: dict[str, set[date]] = {}
    for (_pk, endpoint), days in known.items():
        for day, state in days.items():
            if state.status not in NOT_MEASURED and (meter.activation_date is None or day >= meter.activation_date):
                fetched.setdefault(endpoint, set()).add(day)
    return fetched


def _row(
    bm: BuildingMonth,
    meter: Meter,
    day: date,
    c: CurveDay | None,
    off: float | None,
    curve_expected: bool,
    usual_interval_s: int,
) -> dict[str, Any]:
    """Full precision everywhere (rounding is for display)."""
    length = day_length_seconds(day, bm.tz)
    expected = (c.expected if c is not None else -(-length // usual_interval_s)) if curve_expected else 0
    curve_kwh = c.kwh if c is not None else None
    if expected:
        completeness = min(1.0, c.covered_s / length) if c is not None else 0.0
    else:
        completeness = 1.0 if off is not None else 0.0
    total: float | None
    if off is not None:
        total, used = off, "official"
    else:
        total, used = (curve_kwh, "curve") if c is not None else (None, "none")
    return {
        "building_code": bm.building,
        "meter_pk": meter.pk,
        "metric": meter.direction,
        "day": day,
        "total_kwh": total,
        "source_used": used,
        "official_kwh": off,
        "curve_kwh": curve_kwh,
        "interval_count": c.n if c is not None else 0,
        "expected_count": int(expected),
        "completeness": completeness,
        "min_interval_kwh": c.min_mj / MJ_PER_KWH if c is not None else None,
        "max_interval_kwh": c.max_mj / MJ_PER_KWH if c is not None else None,
        "avg_interval_kwh": c.sum_mj / c.n / MJ_PER_KWH if c is not None else None,
    }


def daily_rows(
    conn: psycopg.Connection, bm: BuildingMonth, meter: Meter, reference: date, official: Mapping[date, float]
) -> list[dict[str, Any]]:
    """The meter's rows of the month; `official`: the daily endpoint's energy per day (`official_energy`)."""
    source = provider(meter.provider)
    served = source.endpoints_for(meter.direction)
    curve = curve_endpoint(meter.direction)
    daily = _daily_endpoint(meter)
    stats = curve_days(conn, meter, bm)
    fetched = _fetched_days(conn, meter, bm)
    curve_fetched = fetched.get(curve, set())
    if not served:  # imported files: no API horizon; the days the files cover, holes included
        days = set(days_in_range(min(stats), max(stats) + timedelta(days=1))) if stats else set()
        curve_from = date.min
    else:
        day_endpoint = daily or curve  # the endpoint that says which days exist
        days = fetched.get(day_endpoint, set())
        curve_from = max(source.horizon_start(curve, reference), meter.activation_date or date.min)
        if meter.status == "active":  # a disabled or revoked meter keeps what it had; no new gap rows every day
            days |= set(eligible_days(source, day_endpoint, bm.month, reference, meter.activation_date))
    usual = _usual_interval(stats)
    return [
        _row(bm, meter, day, stats.get(day), official.get(day), day >= curve_from or day in curve_fetched, usual)
        for day in sorted(days)
    ]


def _daily_endpoint(meter: Meter) -> str | None:
    """The daily endpoint giving this meter's official energy, if its provider serves one."""
    daily = DAILY_ENDPOINTS[meter.direction]
    return daily if daily in provider(meter.provider).endpoints_for(meter.direction) else None


def official_energy(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> EndpointDays:
    """Each meter's official energy per day of the month, parsing only the daily answers of changed days."""
    found = EndpointDays()
    by_endpoint: dict[str, list[Meter]] = {}
    for meter in meters:
        if (daily := _daily_endpoint(meter)) is not None:
            by_endpoint.setdefault(daily, []).append(meter)
    for endpoint, served in sorted(by_endpoint.items()):
        days = endpoint_days(conn, bm, served, endpoint, "kwh")
        found.values |= days.values
        found.answers += days.answers
        found.parsed += days.parsed
    return found


def _usual_interval(stats: dict[date, CurveDay]) -> int:
    """The interval a day without any curve point is counted in: the month's most common, else half an hour."""
    if not stats:
        return DEFAULT_INTERVAL_S
    per_interval = Counter(round(c.covered_s / c.n) for c in stats.values())
    return per_interval.most_common(1)[0][0]


def rebuild_daily(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter], reference: date) -> RowsWrite:
    """Every row of the month computed (the gate after daily sees them all), only the changed ones written."""
    official = official_energy(conn, bm, meters)
    rows = [
        tuple(r[c] for c in COLUMNS)
        for m in meters
        for r in daily_rows(conn, bm, m, reference, {k[1]: v[0] for k, v in official.values.items() if k[0] == m.pk})
    ]
    done = write_changed_rows(
        conn, bm, [m.pk for m in meters], rows, (1, 3), SQL["select_daily_rows"], SQL["write_daily_rows"], COLUMNS
    )
    done.answers, done.parsed = official.answers, official.parsed
    return done
