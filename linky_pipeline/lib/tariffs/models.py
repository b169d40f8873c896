"""What a tariff is: a kind (BASE, HP/HC, Tempo), prices per period, off-peak ranges, a validity period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Final, Literal

Kind = Literal["base", "hphc", "tempo"]
Colour = Literal["BLUE", "WHITE", "RED"]

KINDS: Final[tuple[Kind, ...]] = ("base", "hphc", "tempo")
COLOURS: Final[tuple[Colour, ...]] = ("BLUE", "WHITE", "RED")
TEMPO_DAY_STARTS: Final = time(6, 0)  # a Tempo day runs 06:00 → 06:00 local time
# The periods each kind prices (the keys of Tariff.prices).
PERIODS: Final[dict[Kind, tuple[str, ...]]] = {
    "base": ("BASE",),
    "hphc": ("HP", "HC"),
    "tempo": tuple(f"{c}_{p}" for c in COLOURS for p in ("HP", "HC")),
}
UNKNOWN_PERIODS: Final = ("UNKNOWN_HP", "UNKNOWN_HC")  # Tempo energy of a day whose colour is not known


@dataclass(frozen=True, order=True)
class OffPeakRange:
    """[starts, ends) in local wall-clock time, minute resolution; ends <= starts means it runs past midnight."""

    starts: time
    ends: time

    @property
    def minutes(self) -> tuple[int, int]:
        return self.starts.hour * 60 + self.starts.minute, self.ends.hour * 60 + self.ends.minute

    def length_minutes(self) -> int:
        start, end = self.minutes
        return (end - start) % 1440

    def contains(self, minute_of_day: int) -> bool:
        start, end = self.minutes
        if start < end:
            return start <= minute_of_day < end
        return minute_of_day >= start or minute_of_day < end

    def __str__(self) -> str:
        return f"{self.starts:%H:%M}-{self.ends:%H:%M}"


@dataclass(frozen=True)
class Tariff:
    """One priced contract over [valid_from, valid_to) local days, for a building's meters or one meter."""

    building_code: str
    name: str
    kind: Kind
    valid_from: date
    valid_to: date | None
    subscription_eur_month: Decimal
    prices: dict[str, Decimal]
    offpeak: tuple[OffPeakRange, ...] = ()
    meter_pk: int | None = None
    subscribed_kva: Decimal | None = None
    id: int | None = field(default=None, compare=False)

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def overlaps(self, other: Tariff) -> bool:
        """Same scope (building and meter) and at least one common day."""
        if (self.building_code, self.meter_pk) != (other.building_code, other.meter_pk):
            return False
        self_end = self.valid_to or date.max
        other_end = other.valid_to or date.max
        return self.valid_from < other_end and other.valid_from < self_end

    def is_offpeak(self, minute_of_day: int) -> bool:
        return any(r.contains(minute_of_day) for r in self.offpeak)

    @property
    def scope(self) -> str:
        return f"{self.building_code}" + (f" meter {self.meter_pk}" if self.meter_pk is not None else "")
