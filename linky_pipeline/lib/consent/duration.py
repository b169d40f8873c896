"""ISO-8601 consent durations (P3Y, P36M, P1Y6M, P90D…) with calendar-correct addition."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from linky_pipeline.lib.consent.errors import InvalidDurationError

MAX_CONSENT = "P3Y"  # Enedis: "ne peut excéder 3 ans" (maximum_duration_exceeded beyond)
_ISO = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


@dataclass(frozen=True, slots=True)
class Duration:
    """Calendar part (years, months) kept apart from the exact part: a month has no fixed length."""

    text: str
    years: int
    months: int
    exact: timedelta

    def after(self, start: datetime) -> datetime:
        """start + duration; month ends clamp (Jan 31 + P1M = Feb 28/29)."""
        total = start.year * 12 + (start.month - 1) + self.years * 12 + self.months
        year, month = divmod(total, 12)
        month += 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return start.replace(year=year, month=month, day=day) + self.exact


def parse_duration(text: str) -> Duration:
    """Parse a positive ISO-8601 duration of whole units."""
    match = _ISO.fullmatch(text.strip()) if text else None
    if match is None or text.strip() in {"P", "PT"} or text.strip().endswith("T"):
        raise InvalidDurationError(f"duration {text!r} is not an ISO-8601 duration such as P3Y, P36M or P90D")
    g = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    exact = timedelta(weeks=g["w"], days=g["d"], hours=g["h"], minutes=g["mi"], seconds=g["s"])
    duration = Duration(text.strip(), g["y"], g["mo"], exact)
    if duration.years == 0 and duration.months == 0 and exact == timedelta(0):
        raise InvalidDurationError(f"duration {text!r} must be longer than zero")
    return duration


def check_consent_duration(text: str, now: datetime, maximum: str = MAX_CONSENT) -> Duration:
    """Parse and reject a duration longer than the provider's maximum before anything is sent."""
    duration = parse_duration(text)
    limit = parse_duration(maximum)
    if duration.after(now) > limit.after(now):
        raise InvalidDurationError(f"duration {text!r} exceeds the maximum consent duration {maximum}")
    return duration
