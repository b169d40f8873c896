"""How far back each kind of data can be asked for (Enedis: curve 24 months + 15 days, daily 36 months + 15 days)."""

from __future__ import annotations

from datetime import date, timedelta

CURVE_ENDPOINTS = ("consumption_load_curve", "production_load_curve")
DAILY_ENDPOINTS = ("daily_consumption", "daily_production", "daily_consumption_max_power")


def _months_back(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, 28)
    return date(year, month + 1, day)


def curve_horizon_start(today: date) -> date:
    """First day a load curve may be requested for (one day of margin inside Enedis' limit)."""
    return _months_back(today, 24) - timedelta(days=14)


def daily_horizon_start(today: date) -> date:
    """First day daily energy / max power may be requested for (one day of margin inside Enedis' limit)."""
    return _months_back(today, 36) - timedelta(days=14)


def horizon_start(endpoint: str, today: date) -> date:
    return curve_horizon_start(today) if endpoint in CURVE_ENDPOINTS else daily_horizon_start(today)


def endpoints_for(direction: str) -> tuple[str, ...]:
    """The endpoints a meter of this direction is synced from."""
    if direction == "production":
        return ("production_load_curve", "daily_production")
    return ("consumption_load_curve", "daily_consumption", "daily_consumption_max_power")
