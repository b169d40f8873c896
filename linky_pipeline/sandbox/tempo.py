"""RTE's Tempo calendar (Tempo Like Supply Contract API) emulated: a fixed, made-up colour per day.

Each Tempo season (1 September → 31 August) has 22 red days on weekdays from December to February and 43 white days
on Monday–Saturday from November to April, drawn with a seed per season; every other day is blue. Colours are
known up to the sandbox's 'today' (RTE publishes the next day's colour around 11:00; the emulation keeps it simple).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.sandbox.profile import rng_for

MAX_DAYS = 366
RED_DAYS, WHITE_DAYS = 22, 43


@lru_cache(maxsize=64)
def season_colours(first_year: int) -> dict[date, str]:
    """Colours of the season starting on 1 September `first_year`."""
    start, end = date(first_year, 9, 1), date(first_year + 1, 9, 1)
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    rng = rng_for("tempo", first_year)
    red_pool = [d for d in days if d.month in (12, 1, 2) and d.weekday() < 5]
    red = set(rng.choice(len(red_pool), RED_DAYS, replace=False).tolist())
    reds = {red_pool[i] for i in red}
    white_pool = [d for d in days if d.month in (11, 12, 1, 2, 3, 4) and d.weekday() < 6 and d not in reds]
    whites = {white_pool[i] for i in rng.choice(len(white_pool), WHITE_DAYS, replace=False).tolist()}
    return {d: "RED" if d in reds else "WHITE" if d in whites else "BLUE" for d in days}


def colour_of(day: date) -> str:
    return season_colours(day.year if day.month >= 9 else day.year - 1)[day]


def _stamp(day: date) -> str:
    return datetime.combine(day, time(0), tzinfo=PARIS).isoformat()


def calendar_body(start: date, end: date, today: date) -> dict[str, Any]:
    """RTE's answer shape for local days [start, end), newest first, known days only (up to today)."""
    last = min(end, today + timedelta(days=1))
    days = [start + timedelta(days=i) for i in range(max(0, (last - start).days))]
    values = [
        {
            "start_date": _stamp(d),
            "end_date": _stamp(d + timedelta(days=1)),
            "value": colour_of(d),
            "updated_date": _stamp(d - timedelta(days=1)).replace("T00:00:00", "T10:20:00"),
        }
        for d in reversed(days)
    ]
    return {"tempo_like_calendars": {"start_date": _stamp(start), "end_date": _stamp(end), "values": values}}
