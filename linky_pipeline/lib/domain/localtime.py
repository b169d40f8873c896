"""Local-calendar arithmetic on aware datetimes: DST days have 23 or 25 hours, never assume 24."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
BRUSSELS = ZoneInfo("Europe/Brussels")


def local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    """UTC instant of local midnight starting `day` (midnight always exists in Paris/Brussels)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def day_bounds_utc(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local day as UTC instants."""
    return local_midnight_utc(day, tz), local_midnight_utc(day + timedelta(days=1), tz)


def day_length_seconds(day: date, tz: ZoneInfo) -> int:
    """Real elapsed seconds of a local day: 82 800 on spring-forward, 90 000 on fall-back."""
    start, end = day_bounds_utc(day, tz)
    return int((end - start).total_seconds())


def expected_intervals(day: date, tz: ZoneInfo, interval_s: int = 1800) -> int:
    """Intervals a complete local day holds: 46/48/50 half-hours, 92/96/100 quarter-hours."""
    return day_length_seconds(day, tz) // interval_s


def month_start(day: date) -> date:
    """First day of the month containing `day`."""
    return day.replace(day=1)


def next_month(day: date) -> date:
    """First day of the month after the one containing `day`."""
    first = day.replace(day=1)
    return (first + timedelta(days=32)).replace(day=1)


def days_in_range(start: date, end: date) -> Iterator[date]:
    """Local days in [start, end)."""
    current = start
    while current < end:
        yield current
        current += timedelta(days=1)


def today_in(tz: ZoneInfo, now: datetime | None = None) -> date:
    """Today's local date in `tz` (now defaults to the current UTC instant)."""
    return (now or datetime.now(UTC)).astimezone(tz).date()
