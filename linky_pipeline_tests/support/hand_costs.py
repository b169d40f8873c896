"""Hand-computed cost cases: a load whose every kWh can be counted on paper, and two tariffs priced by hand.

Load: 1 kW all day, 3 kW from 12:00 to 14:00 local time (half-hour intervals in UTC, so the 23- and 25-hour days
have 46 and 50 of them). Tariffs: HP/HC with off-peak 01:34–07:34 and 12:04–14:04 (both straddle an interval),
Tempo with off-peak 22:00–06:00; both cost 31.00 € per month, i.e. exactly 1.00 € per day in March and October.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd

from linky_pipeline.lib.tariffs.models import Colour, Tariff
from linky_pipeline.lib.tariffs.validate import build_tariff

PARIS = ZoneInfo("Europe/Paris")
NORMAL_DAY = date(2026, 3, 10)
SPRING_DAY = date(2026, 3, 29)  # 23 hours: 02:00-03:00 does not exist
AUTUMN_DAY = date(2026, 10, 25)  # 25 hours: 02:00-03:00 happens twice

HPHC_PRICES = {"HP": "0.2700", "HC": "0.2068"}
TEMPO_PRICES = {
    "BLUE_HP": "0.1609",
    "BLUE_HC": "0.1296",
    "WHITE_HP": "0.1894",
    "WHITE_HC": "0.1486",
    "RED_HP": "0.7562",
    "RED_HC": "0.1568",
}
# Colour of the Tempo day that starts at 06:00 on each date; 2026-10-26 is deliberately unknown.
TEMPO_COLOURS: dict[date, Colour] = {
    date(2026, 3, 9): "RED",
    date(2026, 3, 10): "WHITE",
    date(2026, 3, 28): "BLUE",
    date(2026, 3, 29): "BLUE",
    date(2026, 10, 24): "WHITE",
    date(2026, 10, 25): "BLUE",
}

# Worked out on paper (see the module docstring); € per day = energy + 1.00 subscription.
#   normal: HC = 6 (01:34-07:34) + 116 min × 3 kW + 4 min × 1 kW = 11.866667 kWh; day = 22 + 6 = 28 kWh
#   spring: HC = 26 min + 4 h 34 min at 1 kW = 5 kWh, + 5.866667; day = 21 + 6 = 27 kWh
#   autumn: HC = 7 h at 1 kW (the repeated hour counts) + 5.866667; day = 23 + 6 = 29 kWh
HPHC_EXPECTED = {
    NORMAL_DAY: {"HP": ("16.133333", "4.356000"), "HC": ("11.866667", "2.454027"), "total": "7.81"},
    SPRING_DAY: {"HP": ("16.133333", "4.356000"), "HC": ("10.866667", "2.247227"), "total": "7.60"},
    AUTUMN_DAY: {"HP": ("16.133333", "4.356000"), "HC": ("12.866667", "2.660827"), "total": "8.02"},
}
# Tempo: 00:00-06:00 is off-peak of the previous day's colour (6 h, 5 h in spring, 7 h in autumn), 06:00-22:00
# is peak of the day's colour (14 h at 1 kW + 2 h at 3 kW = 20 kWh), 22:00-24:00 off-peak of the day's colour.
TEMPO_EXPECTED = {
    NORMAL_DAY: {
        "RED_HC": ("6.000000", "0.940800"),
        "WHITE_HP": ("20.000000", "3.788000"),
        "WHITE_HC": ("2.000000", "0.297200"),
        "total": "6.03",
    },
    SPRING_DAY: {"BLUE_HC": ("7.000000", "0.907200"), "BLUE_HP": ("20.000000", "3.218000"), "total": "5.13"},
    AUTUMN_DAY: {
        "WHITE_HC": ("7.000000", "1.040200"),
        "BLUE_HP": ("20.000000", "3.218000"),
        "BLUE_HC": ("2.000000", "0.259200"),
        "total": "5.52",
    },
}


def load_kw(wall: time) -> float:
    return 3.0 if time(12, 0) <= wall < time(14, 0) else 1.0


def day_intervals(day: date, tz: ZoneInfo = PARIS, interval_s: int = 1800) -> pd.DataFrame:
    """The hand load over one local day, as readings rows (UTC interval starts, kWh per interval)."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    rows = []
    ts = start
    while ts < end:
        rows.append((ts, interval_s, load_kw(ts.astimezone(tz).time()) * interval_s / 3600))
        ts += timedelta(seconds=interval_s)
    return pd.DataFrame(rows, columns=["ts", "interval_s", "kwh"]).assign(
        ts=lambda f: pd.to_datetime(f["ts"], utc=True)
    )


def hphc_tariff(building: str = "hand", valid_from: date = date(2026, 1, 1)) -> Tariff:
    return build_tariff(
        building_code=building,
        name="EDF HP/HC 9 kVA",
        kind="hphc",
        valid_from=valid_from,
        valid_to=None,
        subscription="31.00 €/month",
        prices=HPHC_PRICES,
        offpeak=["01:34-07:34", "12:04-14:04"],
        subscribed_kva="9 kVA",
    )


def tempo_tariff(building: str = "hand", valid_from: date = date(2026, 1, 1)) -> Tariff:
    return build_tariff(
        building_code=building,
        name="EDF Tempo",
        kind="tempo",
        valid_from=valid_from,
        valid_to=None,
        subscription="31",
        prices=TEMPO_PRICES,
    )


def dec(text: str) -> Decimal:
    return Decimal(text)
