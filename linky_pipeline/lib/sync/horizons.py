"""Which endpoints a meter is synced from, and how far back each can be asked for.

The horizon arithmetic itself (curve 24 months + 15 days, daily 36 months + 15 days, with a safety margin) lives
in the Enedis client's window planner, so the pipeline and the client can never disagree.
"""

from __future__ import annotations

from datetime import date

from linky_pipeline.lib.enedis.endpoints import ENDPOINTS
from linky_pipeline.lib.enedis.windows import horizon_start

CURVE_ENDPOINTS = tuple(name for name, spec in ENDPOINTS.items() if spec.kind == "curve")
# interval energy the readings table is built from: API load curves plus landed Belgian CSV exports
READING_ENDPOINTS = (*CURVE_ENDPOINTS, "quarter_hour_csv")


def curve_horizon_start(today: date) -> date:
    return horizon_start("consumption_load_curve", today)


def daily_horizon_start(today: date) -> date:
    return horizon_start("daily_consumption", today)


def endpoints_for(direction: str, provider: str = "enedis") -> tuple[str, ...]:
    """The endpoints a meter of this direction is synced from (none for CSV meters: their data is imported)."""
    if provider == "be_csv":
        return ()
    if direction == "production":
        return ("production_load_curve", "daily_production")
    return ("consumption_load_curve", "daily_consumption", "daily_consumption_max_power")
