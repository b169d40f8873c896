"""How far each active meter's readings are behind what its provider has published (the nightly service level).

Enedis publishes day D-1 from 08:00 local time on day D. The nightly run (02:00) therefore loads up to the end of
D-2: one day behind by design. A meter more than `max_lag_hours` behind the published edge means the nightly
run failed, or this meter did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg

from linky_pipeline.lib.domain.localtime import local_midnight_utc
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)
PUBLISHED_FROM = time(8, 0)  # local time at which the previous day becomes available


@dataclass(frozen=True)
class MeterLag:
    building: str
    meter_id: str
    direction: str
    latest_end: datetime | None  # end of the latest reading (UTC)
    published_end: datetime  # end of the latest day the provider has published (UTC)

    @property
    def lag_hours(self) -> float | None:
        if self.latest_end is None:
            return None
        return max(0.0, (self.published_end - self.latest_end).total_seconds() / 3600)


def published_end(now: datetime, tz: ZoneInfo) -> datetime:
    """End (UTC) of the latest local day the provider serves at `now`."""
    local = now.astimezone(tz)
    last_day: date = local.date() - timedelta(days=1 if local.time() >= PUBLISHED_FROM else 2)
    return local_midnight_utc(last_day + timedelta(days=1), tz)


def meter_lags(conn: psycopg.Connection, providers: list[str], now: datetime) -> list[MeterLag]:
    rows = conn.execute(SQL["meter_latest_readings"], {"providers": providers}).fetchall()
    return [
        MeterLag(building, meter, direction, latest, published_end(now, ZoneInfo(zone)))
        for building, meter, direction, zone, latest in rows
    ]
