"""The sandbox's fake customers and meters (reference §2.7): one place that says how each test PRM behaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

Direction = Literal["consumption", "production"]
DIRECTIONS: Final[tuple[Direction, ...]] = ("consumption", "production")

# What the generator simulates behind the meter: a household load, a PV array, or both (self-consumption).
Kind = Literal["load", "pv", "self"]


@dataclass(frozen=True)
class MeterSpec:
    """Behaviour of one test PRM; every field maps to a row of the contract's test-meter table."""

    prm: str
    kind: Kind
    activation: date = date(2015, 1, 1)
    curve_enabled: bool = True
    interval_s: int = 1800
    # (first local day, interval_s from that day on): the interval can change inside one response.
    interval_changes: tuple[tuple[date, int], ...] = ()
    hole_weekdays: frozenset[int] = field(default_factory=frozenset)  # date.weekday(): Tue = 1, Wed = 2
    consent_revoked: bool = False
    scale: float = 1.0  # size of the household / PV array relative to the reference home
    subscribed_kva: float = 9.0  # what the contract summary says (consumption points)

    @property
    def directions(self) -> tuple[Direction, ...]:
        """Directions the point is metered in (a load PRM only consumes, a PV PRM only produces)."""
        if self.kind == "load":
            return ("consumption",)
        if self.kind == "pv":
            return ("production",)
        return DIRECTIONS

    def interval_on(self, day: date) -> int:
        """Curve interval (seconds) recorded on a local day."""
        current = self.interval_s
        for since, seconds in self.interval_changes:
            if day >= since:
                current = seconds
        return current

    def has_hole(self, day: date) -> bool:
        """True when the meter sent nothing for that local day (no curve point, no daily value)."""
        return day.weekday() in self.hole_weekdays


INTERVAL_CHANGE_DAY: Final = date(2025, 6, 15)

METERS: Final[dict[str, MeterSpec]] = {
    spec.prm: spec
    for spec in (
        MeterSpec("22516914714270", "load"),
        MeterSpec("11453290002823", "load", activation=date(2019, 8, 27), scale=0.85, subscribed_kva=6.0),
        MeterSpec("32320647321714", "load", curve_enabled=False, scale=1.1),
        MeterSpec("12345678901234", "load", scale=1.2, subscribed_kva=12.0),
        MeterSpec("10284856584123", "pv", scale=1.0),
        MeterSpec("42900589957123", "load", hole_weekdays=frozenset({1, 2}), scale=0.9),
        MeterSpec("24880057139941", "pv", scale=1.4),
        MeterSpec("12655648759651", "self", scale=1.0),
        MeterSpec("64975835695673", "load", interval_s=600, scale=0.8),
        MeterSpec(
            "63695879465986",
            "load",
            interval_s=3600,
            interval_changes=((INTERVAL_CHANGE_DAY, 1800),),
            scale=1.15,
        ),
        MeterSpec("22315546958763", "load", interval_s=900, scale=0.95),
        MeterSpec("26584978546985", "load", consent_revoked=True),
        MeterSpec("99999999999991", "load", scale=1.05),
    )
}

# The last digit of the OAuth `state` picks the fake customer, as in Enedis's sandbox.
CUSTOMERS: Final[dict[int, tuple[str, ...]]] = {
    0: ("22516914714270",),
    1: ("11453290002823",),
    2: ("32320647321714",),
    3: ("12345678901234", "10284856584123"),
    4: ("42900589957123",),
    5: ("24880057139941",),
    6: ("12655648759651",),
    7: ("64975835695673", "63695879465986", "22315546958763"),
    8: ("26584978546985",),
    9: ("99999999999991",),
}


def customer_for_state(state: str) -> tuple[str, ...]:
    """PRMs of the fake customer chosen by the last digit found in `state` (0 when it holds no digit)."""
    for char in reversed(state):
        if char.isdigit():
            return CUSTOMERS[int(char)]
    return CUSTOMERS[0]
