"""Which days of a building-month still need an API call.

Rules (ARCHITECTURE §3):
- data for local day D is published from D+1, so only days before the reference date are asked for;
- nothing before the provider's horizons or before the meter's activation date;
- a day already fetched is final once it is older than the trailing window (`SyncPolicy.is_final`);
- days never fetched are fetched whatever their age ("days still missing");
- nightly budget (≤ 2 calls per meter per night): the load curve every night (one 7-day call covers the trailing
  window); for consumption meters the two daily endpoints alternate nights (both accept 365-day windows, so the
  night an endpoint runs it catches up every day it skipped).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Final

from linky_pipeline.lib.domain.policy import DayState, SyncPolicy
from linky_pipeline.lib.sources.provider import Provider, eligible_days

ALTERNATING_ENDPOINTS: Final = ("daily_consumption", "daily_consumption_max_power")


def endpoint_due_tonight(endpoint: str, reference: date) -> bool:
    """Alternating nights for the two daily consumption endpoints; every other endpoint runs nightly."""
    if endpoint not in ALTERNATING_ENDPOINTS:
        return True
    return reference.toordinal() % 2 == ALTERNATING_ENDPOINTS.index(endpoint)


def days_to_fetch(
    provider: Provider,
    endpoint: str,
    month: date,
    activation: date | None,
    known: Mapping[date, DayState],
    policy: SyncPolicy,
) -> list[date]:
    if policy.nightly and not endpoint_due_tonight(endpoint, policy.reference):
        return []
    return [
        d
        for d in eligible_days(provider, endpoint, month, policy.reference, activation)
        if not policy.is_final(d, known.get(d))
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
