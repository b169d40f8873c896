"""How a run syncs: its reference date, how much recent history it asks again, when a day is final, and how a gap
is asked again (a gap never becomes final just by ageing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

SyncMode = Literal["nightly", "backfill"]
# Fetch states that say the day's data is (still) missing: asked again on the retry schedule, never final by age.
GAP_STATUSES: Final = frozenset({"no_data", "partial"})


@dataclass(frozen=True)
class DayState:
    """What the landing recorded for one meter × endpoint × day."""

    status: str
    is_final: bool
    attempts: int = 1  # answers received for the day so far
    next_attempt: date | None = None  # when it is asked again (None: whenever a run covers it)
    first_fetched: date | None = None  # when it was first asked (local date of the answer)
    points: int = 0


@dataclass(frozen=True)
class Landed:
    """What the landing records for a day this run fetched."""

    is_final: bool
    attempts: int
    next_attempt: date | None
    gave_up: str | None  # why a gap is no longer asked for, in words a user can act on


@dataclass(frozen=True)
class SyncPolicy:
    """Set once per run: every step of the run sees the same reference date and rules."""

    reference: date  # "today" for the run: day D is published from D+1, so days before it are asked for
    trailing_days: int = 7  # recent days asked again every nightly run (late and corrected values)
    mode: SyncMode = "backfill"
    max_concurrency: int = 4  # workers per API (each API has its own quota and workers: none waits on another)
    # A gap (no data, empty or partial answer) outside the trailing window is asked again after these many days,
    # by its number of answers so far (1 → next night, 2 → 3 days later, then weekly) …
    retry_after_days: tuple[int, ...] = (1, 3, 7)
    # … until it has been answered this many times without its data (then given up, with the reason recorded);
    # a day that leaves the provider's history horizon is given up too.
    give_up_after: int = 30
    # API windows per meter, API and run spent on gaps only (the trailing window and never-fetched days are not
    # counted): keeps a gappy meter's night cheap; the rest waits for the next run, oldest due first.
    retry_windows_per_meter: int = 2

    def __post_init__(self) -> None:
        if self.trailing_days < 0:
            raise ValueError(f"trailing_days={self.trailing_days}: must be >= 0")
        if self.max_concurrency < 1:
            raise ValueError(f"max_concurrency={self.max_concurrency}: must be >= 1")
        if self.mode not in ("nightly", "backfill"):
            raise ValueError(f"mode={self.mode!r}: expected 'nightly' or 'backfill'")
        if not self.retry_after_days or any(d < 1 for d in self.retry_after_days):
            raise ValueError(f"retry_after_days={self.retry_after_days!r}: expected whole days >= 1")
        if self.give_up_after < 1:
            raise ValueError(f"give_up_after={self.give_up_after}: must be >= 1")
        if self.retry_windows_per_meter < 0:
            raise ValueError(f"retry_windows_per_meter={self.retry_windows_per_meter}: must be >= 0")

    @property
    def nightly(self) -> bool:
        return self.mode == "nightly"

    @property
    def final_before(self) -> date:
        """Days before this one are outside the trailing window."""
        return self.reference - timedelta(days=self.trailing_days)

    def is_final(self, day: date, state: DayState | None) -> bool:
        """The one rule: a day is never asked again once recorded final (measured outside the trailing window, or
        a gap given up), or once measured and older than the trailing window. A gap is never final by age."""
        if state is None:
            return False
        return state.is_final or (state.status not in GAP_STATUSES and day < self.final_before)

    def is_retry(self, day: date, state: DayState | None) -> bool:
        """A gap asked again outside the trailing window (counted against `retry_windows_per_meter`)."""
        return state is not None and state.status in GAP_STATUSES and day < self.final_before

    def wants(self, day: date, state: DayState | None) -> bool:
        """Whether this run asks for the day: never fetched; inside the trailing window on a nightly run (a
        catch-up run the same day asks again); otherwise when its next attempt is due. A backfill resumed the same
        day therefore asks nothing it already landed."""
        if state is None:
            return True
        if self.is_final(day, state):
            return False
        if self.nightly and day >= self.final_before:
            return True
        return state.next_attempt is None or state.next_attempt <= self.reference

    def landed(self, day: date, status: str, points_expected: bool, previous: DayState | None) -> Landed:
        """What to record for a day this run fetched (`points_expected`: False for before-activation/horizon)."""
        attempts = (previous.attempts + 1) if previous is not None else 1
        gap = status in GAP_STATUSES and points_expected
        if not gap:
            if day < self.final_before:
                return Landed(True, attempts, None, None)
            return Landed(False, attempts, self.reference + timedelta(days=1), None)
        if day >= self.final_before:  # the trailing window asks it every night anyway
            return Landed(False, attempts, self.reference + timedelta(days=1), None)
        if attempts >= self.give_up_after:
            first = previous.first_fetched if previous is not None and previous.first_fetched else self.reference
            return Landed(True, attempts, None, self.give_up_reason(status, attempts, first))
        delay = self.retry_after_days[min(attempts, len(self.retry_after_days)) - 1]
        return Landed(False, attempts, self.reference + timedelta(days=delay), None)

    def give_up_reason(self, status: str, attempts: int, first: date) -> str:
        what = "a partial day (some intervals missing)" if status == "partial" else "no data"
        return (
            f"gave up on {self.reference.isoformat()}: {what} in each of {attempts} answers since "
            f"{first.isoformat()} (asked again after {', '.join(map(str, self.retry_after_days))} day(s), then "
            f"every {self.retry_after_days[-1]} days); raise give_up_after or re-open it with "
            "`linky-pipeline backfill retry-gaps` to ask again"
        )

    def final_when_landed(self, day: date) -> bool:
        """Whether a measured day fetched by this run is recorded final."""
        return day < self.final_before
