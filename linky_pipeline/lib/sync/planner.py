"""Which days of a building-month still need an API call, and how they are cut into API windows.

Rules (ARCHITECTURE §3, issue 17 §2):
- data for local day D is published from D+1, so only days before the reference date are asked for;
- nothing before the provider's horizons or before the meter's activation date;
- a measured day is final once it is older than the trailing window; a gap (no data, an empty or partial answer, a
  withheld day) is never final by age: it is asked again on the policy's back-off schedule and given up only with
  a reason (`SyncPolicy.wants`, `SyncPolicy.landed`);
- days never fetched are fetched whatever their age ("days still missing");
- nightly budget (≤ 2 calls per meter per night for a healthy meter): the load curve every night (one 7-day call
  covers the trailing window); for consumption meters the two daily endpoints alternate nights (both accept
  365-day windows, so the night an endpoint runs it catches up every day it skipped); windows that only re-ask
  gaps are capped per meter and run (`retry_windows_per_meter`), oldest due first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    """Days of `month` this run asks for (before the per-meter cap on gap-only windows)."""
    if policy.nightly and not endpoint_due_tonight(endpoint, policy.reference):
        return []
    return [
        d
        for d in eligible_days(provider, endpoint, month, policy.reference, activation)
        if policy.wants(d, known.get(d))
    ]


def contiguous_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """[start, end) ranges of consecutive days."""
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


def api_windows(days: Iterable[date], max_days: int) -> list[tuple[date, date]]:
    """The days as API windows of at most `max_days` (one call each, landed on its own)."""
    windows: list[tuple[date, date]] = []
    for start, end in spanning_range(days, max_days):
        cursor = start
        while cursor < end:
            stop = min(cursor + timedelta(days=max_days), end)
            windows.append((cursor, stop))
            cursor = stop
    return windows


@dataclass(frozen=True)
class Window:
    """One planned API window and the days it is asked for (days inside it that are final are not)."""

    start: date
    end: date
    days: tuple[date, ...]
    retry_only: bool  # every day is a gap asked again outside the trailing window
    due: date  # earliest next attempt of its days (order of the capped retries)


def plan_windows(days: list[date], known: Mapping[date, DayState], policy: SyncPolicy, max_days: int) -> list[Window]:
    """Cut the wanted days into API windows, tagging those that only re-ask gaps."""
    out = []
    for start, end in api_windows(days, max_days):
        inside = tuple(d for d in days if start <= d < end)
        retries = [policy.is_retry(d, known.get(d)) for d in inside]
        dues = [s.next_attempt for d in inside if (s := known.get(d)) is not None and s.next_attempt is not None]
        out.append(Window(start, end, inside, all(retries), min(dues, default=start)))
    return out


def cap_retries(windows: list[Window], budget: int) -> tuple[list[Window], list[Window]]:
    """(kept, deferred): every window that asks a new or recent day, plus the `budget` gap-only windows due
    first; the deferred ones stay due and are asked by a later run."""
    retry = sorted((w for w in windows if w.retry_only), key=lambda w: (w.due, w.start))
    kept_retries = set(map(id, retry[:budget]))
    kept = [w for w in windows if not w.retry_only or id(w) in kept_retries]
    deferred = [w for w in windows if w.retry_only and id(w) not in kept_retries]
    return kept, deferred
