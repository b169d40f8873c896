"""How a run syncs: its reference date, how much recent history it asks again, and when a day is final."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

SyncMode = Literal["nightly", "backfill"]


@dataclass(frozen=True)
class DayState:
    """What the landing recorded for one meter × endpoint × day."""

    status: str
    is_final: bool


@dataclass(frozen=True)
class SyncPolicy:
    """Set once per run: every step of the run sees the same reference date and rules."""

    reference: date  # "today" for the run: day D is published from D+1, so days before it are asked for
    trailing_days: int = 7  # recent days asked again every run (late and corrected values)
    mode: SyncMode = "backfill"
    max_concurrency: int = 4  # API calls in flight at once (the shared quota still spaces them)

    def __post_init__(self) -> None:
        if self.trailing_days < 0:
            raise ValueError(f"trailing_days={self.trailing_days}: must be >= 0")
        if self.max_concurrency < 1:
            raise ValueError(f"max_concurrency={self.max_concurrency}: must be >= 1")
        if self.mode not in ("nightly", "backfill"):
            raise ValueError(f"mode={self.mode!r}: expected 'nightly' or 'backfill'")

    @property
    def nightly(self) -> bool:
        return self.mode == "nightly"

    @property
    def final_before(self) -> date:
        """Days before this one are outside the trailing window."""
        return self.reference - timedelta(days=self.trailing_days)

    def is_final(self, day: date, state: DayState | None) -> bool:
        """The one rule: a day already fetched is never asked again once it is older than the trailing window."""
        return state is not None and (state.is_final or day < self.final_before)

    def final_when_landed(self, day: date) -> bool:
        """Whether a day fetched by this run is recorded final."""
        return day < self.final_before
