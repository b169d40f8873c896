"""Pricing interval energy with a tariff: kWh and € per period, per local day, exact on DST days.

Every interval is cut into its minutes, each carrying interval_kwh × 60 / interval_s (an interval straddling a
period boundary such as 01:34 is split pro rata by seconds, not given wholly to the period it starts in). A minute
belongs to the period of its local wall-clock time: on the 25-hour day both occurrences of 02:xx are counted in an
off-peak range that contains 02:xx, on the 23-hour day 02:xx does not exist. A Tempo minute before 06:00 belongs to
the Tempo day that started at 06:00 the day before. Money is Decimal: kWh per period are rounded to 1 Wh/1000
(6 decimals) once, then multiplied by the exact price; the subscription is shared over the days of each month so
that a whole month adds up to the monthly price exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final, cast
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from linky_pipeline.lib.domain.localtime import day_length_seconds, month_start, next_month
from linky_pipeline.lib.tariffs.models import TEMPO_DAY_STARTS, Colour, Tariff

SIX: Final = Decimal("0.000001")
INTERVAL_COLUMNS: Final = ("ts", "interval_s", "kwh")
_TEMPO_START_MIN: Final = TEMPO_DAY_STARTS.hour * 60 + TEMPO_DAY_STARTS.minute


class PricingInputError(ValueError):
    """Intervals the pricing cannot cut into minutes (naive times, lengths that are not whole minutes)."""


@dataclass(frozen=True)
class PeriodCost:
    period: str
    kwh: Decimal
    eur_per_kwh: Decimal | None  # None: energy of an unknown Tempo colour, never priced by a guess
    energy_eur: Decimal | None


@dataclass(frozen=True)
class DayCost:
    day: date
    tariff: Tariff
    tempo_colour: Colour | None
    periods: tuple[PeriodCost, ...]
    subscription_eur: Decimal
    completeness: float
    unknown_colour: bool

    @property
    def kwh(self) -> Decimal:
        return sum((p.kwh for p in self.periods), Decimal(0))

    @property
    def unpriced_kwh(self) -> Decimal:
        return sum((p.kwh for p in self.periods if p.energy_eur is None), Decimal(0))

    @property
    def priced_kwh(self) -> Decimal:
        return self.kwh - self.unpriced_kwh

    @property
    def energy_eur(self) -> Decimal:
        return sum((p.energy_eur for p in self.periods if p.energy_eur is not None), Decimal(0))

    @property
    def total_eur(self) -> Decimal:
        return self.energy_eur + self.subscription_eur

    @property
    def partial_reason(self) -> str | None:
        reasons = [
            *(["incomplete_day"] if self.completeness < 1 else []),
            *(["unknown_tempo_colour"] if self.unknown_colour else []),
        ]
        return ",".join(reasons) or None


def subscription_share(monthly: Decimal, day: date) -> Decimal:
    """Day k of an n-day month pays q(S·k/n) − q(S·(k−1)/n): the month's shares add up to S exactly."""
    days = (next_month(day) - month_start(day)).days

    def upto(k: int) -> Decimal:
        return (monthly * k / days).quantize(SIX, ROUND_HALF_EVEN)

    return upto(day.day) - upto(day.day - 1)


def tariff_for(tariffs: Sequence[Tariff], meter_pk: int, day: date) -> Tariff | None:
    """The meter's own tariff that day, else the building's."""
    own = [t for t in tariffs if t.meter_pk == meter_pk and t.applies_on(day)]
    shared = [t for t in tariffs if t.meter_pk is None and t.applies_on(day)]
    found = own or shared
    return found[0] if found else None


def _minutes(intervals: pd.DataFrame, tz: ZoneInfo) -> pd.DataFrame:
    """One row per minute of every interval: its interval's row number, local day, minute of day, kWh share."""
    missing = [c for c in INTERVAL_COLUMNS if c not in intervals.columns]
    if missing:
        raise PricingInputError(f"intervals are missing column(s) {missing}")
    if intervals.empty:
        return pd.DataFrame(
            {
                "row": pd.Series(dtype="int64"),
                "day": pd.Series(dtype="datetime64[us]"),
                "mod": pd.Series(dtype="int64"),
                "kwh": pd.Series(dtype="float64"),
            }
        )
    ts = pd.to_datetime(intervals["ts"])
    if ts.dt.tz is None:
        raise PricingInputError("intervals.ts must be timezone-aware UTC interval starts")
    start_us = ts.dt.tz_convert("UTC").dt.as_unit("us").astype("int64").to_numpy()
    length = intervals["interval_s"].astype("int64").to_numpy()
    if len(length) and ((length % 60 != 0).any() or (length <= 0).any() or (start_us % 60_000_000 != 0).any()):
        raise PricingInputError("intervals must start on a whole minute and last a whole number of minutes")
    per = length // 60
    row = np.repeat(np.arange(len(per)), per)
    offset = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
    start_s = start_us // 1_000_000
    instants = pd.DatetimeIndex(pd.to_datetime(start_s[row] + offset * 60, unit="s", utc=True)).tz_convert(tz)
    wall = instants.tz_localize(None)
    kwh = intervals["kwh"].astype("float64").to_numpy()
    return pd.DataFrame(
        {
            "row": row,
            "day": wall.normalize(),
            "mod": wall.hour * 60 + wall.minute,
            "kwh": kwh[row] * 60.0 / length[row],
        }
    )


def _classify(
    minutes: pd.DataFrame, pick: Callable[[date], Tariff | None], colours: Mapping[date, Colour]
) -> pd.DataFrame:
    """Add tariff id (position), period and price (None: unknown colour) to each minute; drops unpriced days."""
    out = []
    for day, group in minutes.groupby("day", sort=True):
        local_day = pd.Timestamp(str(day)).date()
        tariff = pick(local_day)
        if tariff is None:
            continue
        offpeak = np.zeros(len(group), dtype=bool)
        mods = group["mod"].to_numpy()
        for rng in tariff.offpeak:
            start, end = rng.minutes
            offpeak |= ((mods >= start) & (mods < end)) if start < end else ((mods >= start) | (mods < end))
        hp_hc = np.where(offpeak, "HC", "HP")
        if tariff.kind == "base":
            period = np.full(len(group), "BASE", dtype=object)
        elif tariff.kind == "hphc":
            period = hp_hc.astype(object)
        else:
            names = {
                True: colours.get(local_day - timedelta(days=1), "UNKNOWN"),
                False: colours.get(local_day, "UNKNOWN"),
            }
            before_six = mods < _TEMPO_START_MIN
            colour = np.where(before_six, names[True], names[False])
            period = np.char.add(np.char.add(colour.astype(str), "_"), hp_hc).astype(object)
        out.append(group.assign(period=period, tariff=id(tariff)))
    if not out:
        return minutes.iloc[0:0].assign(period=pd.Series(dtype=object), tariff=pd.Series(dtype="int64"))
    return pd.concat(out)


def _price(tariff: Tariff, period: str) -> Decimal | None:
    return tariff.prices.get(period)


def price_days(
    intervals: pd.DataFrame,
    tariffs: Sequence[Tariff],
    meter_pk: int,
    days: Sequence[date],
    tz: ZoneInfo,
    colours: Mapping[date, Colour] | None = None,
) -> list[DayCost]:
    """Cost of each local day in `days` that has a tariff for this meter and at least one interval: a day without
    a tariff, or without any reading, has no cost (unknown is not zero); a day partly covered is `partial`."""
    colours = colours or {}
    minutes = _minutes(intervals, tz)
    classified = _classify(minutes, lambda d: tariff_for(tariffs, meter_pk, d), colours)
    kwh = classified.groupby(["day", "period"])["kwh"].sum() if not classified.empty else pd.Series(dtype=float)
    covered = _covered_seconds(intervals, tz)
    result = []
    for day in sorted(set(days)):
        tariff = tariff_for(tariffs, meter_pk, day)
        if tariff is None or not covered.get(day):
            continue
        stamp = pd.Timestamp(day)
        periods = []
        if stamp in kwh.index.get_level_values(0):
            for period, value in kwh.loc[stamp].items():
                amount = Decimal(repr(round(float(value), 6))).quantize(SIX)
                price = _price(tariff, str(period))
                cost = (amount * price).quantize(SIX, ROUND_HALF_EVEN) if price is not None else None
                periods.append(PeriodCost(str(period), amount, price, cost))
        unknown = False
        colour: Colour | None = None
        if tariff.kind == "tempo":
            colour = colours.get(day)
            unknown = colour is None or (day - timedelta(days=1)) not in colours
        length = day_length_seconds(day, tz)
        result.append(
            DayCost(
                day=day,
                tariff=tariff,
                tempo_colour=colour,
                periods=tuple(periods),
                subscription_eur=subscription_share(tariff.subscription_eur_month, day),
                completeness=min(1.0, covered.get(day, 0) / length),
                unknown_colour=unknown,
            )
        )
    return result


def _covered_seconds(intervals: pd.DataFrame, tz: ZoneInfo) -> dict[date, int]:
    """Seconds of each local day covered by intervals (assigned by interval start, like daily_consumption)."""
    if intervals.empty:
        return {}
    local = pd.to_datetime(intervals["ts"]).dt.tz_convert(tz).dt.date
    sums = intervals["interval_s"].astype("int64").groupby(local).sum()
    return {cast(date, d): int(s) for d, s in sums.items()}


def price_intervals(
    intervals: pd.DataFrame,
    tariffs: Sequence[Tariff],
    meter_pk: int,
    tz: ZoneInfo,
    colours: Mapping[date, Colour] | None = None,
) -> pd.DataFrame:
    """Per interval (same order as the input): the period of its first minute ('HP+HC' when it straddles a
    boundary) and its € (NaN when any part has no price: no tariff, or an unknown Tempo colour)."""
    minutes = _minutes(intervals.reset_index(drop=True), tz)
    classified = _classify(minutes, lambda d: tariff_for(tariffs, meter_pk, d), colours or {})
    by_id = {id(t): t for t in tariffs}
    prices = [
        float(p) if (p := _price(by_id[t], per)) is not None else np.nan
        for t, per in zip(classified["tariff"], classified["period"], strict=True)
    ]
    classified = classified.assign(eur=np.asarray(prices, dtype="float64") * classified["kwh"].to_numpy())
    grouped = classified.groupby("row")
    period = grouped["period"].agg(lambda s: "+".join(dict.fromkeys(s)))
    eur = grouped["eur"].agg(lambda s: s.sum(min_count=len(s)) if s.notna().all() else np.nan)
    index = pd.RangeIndex(len(intervals))
    return pd.DataFrame({"period": period.reindex(index), "eur": eur.reindex(index)})
