"""Which days of a building-month still need an API call.

Rules (ARCHITECTURE §3, issue 4):
- data for local day D is published from D+1, so only days before the reference date are asked for;
- nothing before the horizons (curve 24 months, daily 36 months) or before the meter's activation date;
- a day already fetched is final once it is older than the trailing window: it is never requested again (a
  recorded gap included), so re-running an old partition makes no call and changes nothing;
- days never fetched are fetched whatever their age ("days still missing");
- nightly budget (≤ 2 calls per meter per night): the load curve every night (one 7-day call covers the trailing
  window); for consumption meters the two daily endpoints alternate nights (both accept 365-day windows, so the
  night an endpoint runs it catches up every day it skipped).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from linky_pipeline.lib.enedis.windows import horizon_start
from linky_pipeline.lib.localtime import days_in_range, next_month

ALTERNATING_ENDPOINTS = ("daily_consumption", "daily_consumption_max_power")


@dataclass(frozen=True)
class DayState:
    status: str
    is_final: bool


def is_final(day: date, state: DayState | None, reference: date, trailing_days: int) -> bool:
    return state is not None and (state.is_final or day < reference - timedelta(days=trailing_days))


def endpoint_due_tonight(endpoint: str, reference: date) -> bool:
    """Alternating nights for the two daily consumption endpoints; every other endpoint runs nightly."""
    if endpoint not in ALTERNATING_ENDPOINTS:
        return True
    return reference.toordinal() % 2 == ALTERNATING_ENDPOINTS.index(endpoint)


def eligible_days(endpoint: str, month: date, reference: date, activation: date | None) -> list[date]:
    """Days of the month the API can answer for at all."""
    first = max(month, horizon_start(endpoint, reference), activation or month)
    last = min(next_month(month), reference)
    return list(days_in_range(first, last))


def days_to_fetch(
    endpoint: str,
    month: date,
    reference: date,
    activation: date | None,
    known: Mapping[date, DayState],
    trailing_days: int,
    nightly: bool,
) -> list[date]:
    if nightly and not endpoint_due_tonight(endpoint, reference):
        return []
    return [
        d
        for d in eligible_days(endpoint, month, reference, activation)
        if not is_final(d, known.get(d), reference, trailing_days)
    ]


def contiguous_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """[start, end) ranges of consecutive days (the client splits them to the API maxima)."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and ranges[-1][1] == day:
            ranges[-1] = (ranges[-1][0], day + timedelta(days=1))
        else:
            ranges.append((day, day + timedelta(days=1)))
    return ranges


def spanning_range(days: Iterable[date], max_days: int) -> list[tuple[date, date]]:
    """Fewer calls: one range from the first to the last day when it fits one API window, else contiguous ones."""
    ordered = sorted(days)
    if not ordered:
        return []
    if (ordered[-1] - ordered[0]).days + 1 <= max_days:
        return [(ordered[0], ordered[-1] + timedelta(days=1))]
    return contiguous_ranges(ordered)
