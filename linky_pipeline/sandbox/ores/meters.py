"""The ORES sandbox's fake customers and meters: who consents to what, and what each meter measures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from linky_pipeline.lib.domain.identifiers import gs1_complete

SEED_PRM: Final = "30001234567890"  # the seed's example `prm` (annex C)
DEMO_EAN: Final = gs1_complete("54144803000331234")  # an EAN-18 with a valid GS1 check digit
OTHER_EAN: Final = gs1_complete("54144803000335678")


@dataclass(frozen=True)
class OresMeter:
    """One access point: a household load, optionally solar panels (production), sized by `scale` / `kwp`."""

    meter_id: str
    scale: float = 1.0
    kwp: float = 0.0  # 0: no solar panels, the production endpoint has no data
    activation: date = date(2018, 1, 1)

    @property
    def directions(self) -> tuple[str, ...]:
        return ("consumption", "production") if self.kwp > 0 else ("consumption",)


METERS: Final[dict[str, OresMeter]] = {
    m.meter_id: m
    for m in (
        OresMeter(DEMO_EAN, scale=1.1, kwp=4.5),
        OresMeter(SEED_PRM, scale=0.9),
        OresMeter(OTHER_EAN, scale=1.3, kwp=3.0),
    )
}

# The last digit of the OAuth `state` picks the customer who consents (as in the Enedis sandbox).
CUSTOMERS: Final[dict[int, tuple[str, ...]]] = {
    0: (DEMO_EAN,),
    1: (SEED_PRM,),
    2: (OTHER_EAN,),
    3: (DEMO_EAN, SEED_PRM),
}


def customer_for_state(state: str) -> tuple[str, ...]:
    """Meters of the customer chosen by the last digit of `state` (customer 0 when none or unknown)."""
    for char in reversed(state):
        if char.isdigit():
            return CUSTOMERS.get(int(char), CUSTOMERS[0])
    return CUSTOMERS[0]
