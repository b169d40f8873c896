"""The unit of work of the whole pipeline: one building's local calendar month."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from linky_pipeline.lib.domain.localtime import days_in_range, local_midnight_utc, month_start, next_month


@dataclass(frozen=True, order=True)
class BuildingMonth:
    """A building × local month. Ordered by building then month (the order writers lock in)."""

    building: str
    month: date
    timezone: str = field(compare=False)

    def __post_init__(self) -> None:
        if self.month != month_start(self.month):
            raise ValueError(f"month={self.month.isoformat()}: a building-month starts on the 1st")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def next_month(self) -> date:
        return next_month(self.month)

    @cached_property
    def utc_window(self) -> tuple[datetime, datetime]:
        """[start, end) of the local month as UTC instants (interval starts inside it belong to it)."""
        return local_midnight_utc(self.month, self.tz), local_midnight_utc(self.next_month, self.tz)

    @property
    def utc_start(self) -> datetime:
        return self.utc_window[0]

    @property
    def utc_end(self) -> datetime:
        return self.utc_window[1]

    @property
    def days(self) -> list[date]:
        """Local days of the month."""
        return list(days_in_range(self.month, self.next_month))

    def __str__(self) -> str:
        return f"{self.building}/{self.month:%Y-%m}"


def months_by_building(partitions: list[BuildingMonth]) -> dict[str, list[BuildingMonth]]:
    """Partitions grouped per building, each group in month order."""
    grouped: dict[str, list[BuildingMonth]] = {}
    for bm in sorted(partitions):
        grouped.setdefault(bm.building, []).append(bm)
    return grouped
