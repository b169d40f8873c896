"""Turning what a user typed into a Tariff: every refusal names the field and the value (TariffError)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Final

from linky_pipeline.lib.domain.identifiers import InvalidValueError
from linky_pipeline.lib.tariffs.models import KINDS, PERIODS, Kind, OffPeakRange, Tariff

MAX_EUR_PER_KWH: Final = Decimal(5)  # above this a price is almost surely in c€/kWh or €/MWh written as €/kWh
TEMPO_DEFAULT_OFFPEAK: Final = (OffPeakRange(time(22, 0), time(6, 0)),)

_NUMBER = r"([0-9]+(?:[.,][0-9]+)?)"
_PRICE = re.compile(rf"^{_NUMBER}\s*(€/kwh|eur/kwh|c€/kwh|ct/kwh|c/kwh|€/mwh|eur/mwh)?$", re.IGNORECASE)
_PRICE_FACTOR: Final = {
    None: Decimal(1),
    "€/kwh": Decimal(1),
    "eur/kwh": Decimal(1),
    "c€/kwh": Decimal("0.01"),
    "ct/kwh": Decimal("0.01"),
    "c/kwh": Decimal("0.01"),
    "€/mwh": Decimal("0.001"),
    "eur/mwh": Decimal("0.001"),
}
_SUBSCRIPTION = re.compile(rf"^{_NUMBER}\s*(€/month|eur/month|€/mois|€/year|eur/year|€/an)?$", re.IGNORECASE)
_PER_YEAR: Final = frozenset({"€/year", "eur/year", "€/an"})
_KVA = re.compile(rf"^{_NUMBER}\s*(kva|va)?$", re.IGNORECASE)
_RANGE = re.compile(r"^([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})$")


class TariffError(InvalidValueError):
    """A tariff value is refused; str() is one line naming the field and the value."""


def _decimal(field: str, text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise TariffError(field, text, "not a number") from None


def parse_price(period: str, text: str) -> Decimal:
    """'0.2516', '0.2516 €/kWh', '25.16 c€/kWh' or '251.6 €/MWh' → € per kWh (exact, 6 decimals)."""
    field = f"price {period}"
    match = _PRICE.match(text.strip())
    if not match:
        raise TariffError(field, text, "expected a price per kWh such as 0.2516, '0.2516 €/kWh' or '25.16 c€/kWh'")
    unit = match.group(2).lower() if match.group(2) else None
    value = _decimal(field, match.group(1)) * _PRICE_FACTOR[unit]
    if value >= MAX_EUR_PER_KWH:
        raise TariffError(field, text, f"{value} €/kWh is implausible; for cents write '{match.group(1)} c€/kWh'")
    if value != value.quantize(Decimal("0.000001")):
        raise TariffError(field, text, "more than 6 decimals of € per kWh")
    return value.quantize(Decimal("0.000001"))


def parse_subscription(text: str) -> Decimal:
    """'15.65', '15.65 €/month' or '187.80 €/year' → € per month (4 decimals)."""
    match = _SUBSCRIPTION.match(text.strip())
    if not match:
        raise TariffError(
            "subscription", text, "expected € per month such as 15.65, '15.65 €/month' or '187.80 €/year'"
        )
    value = _decimal("subscription", match.group(1))
    if match.group(2) and match.group(2).lower() in _PER_YEAR:
        value = value / 12
    if value >= 10000:
        raise TariffError("subscription", text, "must be below 10 000 € per month")
    return value.quantize(Decimal("0.0001"))


def parse_kva(text: str) -> Decimal:
    """'9', '9 kVA' or '9000 VA' → kVA."""
    match = _KVA.match(text.strip())
    if not match:
        raise TariffError("subscribed power", text, "expected kVA such as 9, '9 kVA' or '9000 VA'")
    value = _decimal("subscribed power", match.group(1))
    if match.group(2) and match.group(2).lower() == "va":
        value = value / 1000
    if not Decimal(0) < value <= Decimal(100000):
        raise TariffError("subscribed power", text, "must be above 0 and at most 100 000 kVA")
    return value.quantize(Decimal("0.01"))


def parse_range(text: str) -> OffPeakRange:
    """'01:34-07:34' (minutes allowed anywhere; '22:00-06:00' runs past midnight)."""
    match = _RANGE.match(text.strip())
    if not match:
        raise TariffError("off-peak range", text, "expected HH:MM-HH:MM such as 01:34-07:34")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise TariffError("off-peak range", text, "hours are 00-23 and minutes 00-59 (24:00 is written 00:00)")
    if (h1, m1) == (h2, m2):
        raise TariffError("off-peak range", text, "start and end are the same minute")
    return OffPeakRange(time(h1, m1), time(h2, m2))


def check_ranges(ranges: Iterable[OffPeakRange]) -> tuple[OffPeakRange, ...]:
    """Sorted ranges; two that share a minute are refused (a typo would otherwise count that time twice)."""
    ordered = tuple(sorted(ranges))
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if any(second.contains(m) for m in _minutes(first)):
                raise TariffError("off-peak range", str(second), f"overlaps {first}")
    if sum(r.length_minutes() for r in ordered) >= 1440:
        raise TariffError("off-peak range", ", ".join(map(str, ordered)), "covers the whole day")
    return ordered


def _minutes(rng: OffPeakRange) -> list[int]:
    start, _ = rng.minutes
    return [(start + k) % 1440 for k in range(rng.length_minutes())]


def build_tariff(
    *,
    building_code: str,
    name: str,
    kind: str,
    valid_from: date,
    valid_to: date | None,
    subscription: str,
    prices: Mapping[str, str],
    offpeak: Iterable[str] = (),
    meter_pk: int | None = None,
    subscribed_kva: str | None = None,
) -> Tariff:
    """A validated Tariff (no database check here: overlaps with stored tariffs are the store's job)."""
    if not name.strip() or len(name.strip()) > 80:
        raise TariffError("name", name, "1 to 80 characters")
    kind_n = kind.strip().lower()
    if kind_n not in KINDS:
        raise TariffError("kind", kind, f"expected one of {', '.join(KINDS)}")
    tariff_kind: Kind = kind_n
    if valid_to is not None and valid_to <= valid_from:
        raise TariffError("valid to", valid_to.isoformat(), f"must be after valid from {valid_from.isoformat()}")
    wanted = PERIODS[tariff_kind]
    given = {p.strip().upper(): v for p, v in prices.items()}
    for period in given:
        if period not in wanted:
            raise TariffError("price period", period, f"a {kind_n} tariff prices {', '.join(wanted)}")
    for period in wanted:
        if period not in given:
            raise TariffError("price period", period, f"missing: a {kind_n} tariff needs a price for {period}")
    ranges = check_ranges(parse_range(r) for r in offpeak)
    if tariff_kind == "base" and ranges:
        raise TariffError("off-peak range", str(ranges[0]), "a base tariff has no off-peak hours")
    if tariff_kind == "hphc" and not ranges:
        raise TariffError("off-peak range", "", "an hphc tariff needs at least one off-peak range")
    if tariff_kind == "tempo" and not ranges:
        ranges = TEMPO_DEFAULT_OFFPEAK
    return Tariff(
        building_code=building_code,
        name=name.strip(),
        kind=tariff_kind,
        valid_from=valid_from,
        valid_to=valid_to,
        subscription_eur_month=parse_subscription(subscription),
        prices={p: parse_price(p, given[p]) for p in wanted},
        offpeak=ranges,
        meter_pk=meter_pk,
        subscribed_kva=parse_kva(subscribed_kva) if subscribed_kva else None,
    )


def check_timeline(existing: list[Tariff], new: Tariff, *, allow_gap: bool = False) -> None:
    """Refuse a tariff overlapping one of the same scope, or leaving days unpriced between two of them."""
    same_scope = [t for t in existing if (t.building_code, t.meter_pk) == (new.building_code, new.meter_pk)]
    for other in same_scope:
        if new.overlaps(other):
            until = other.valid_to.isoformat() if other.valid_to else "open end"
            raise TariffError(
                "valid from",
                new.valid_from.isoformat(),
                f"overlaps tariff {other.id} '{other.name}' ({other.valid_from.isoformat()} .. {until})",
            )
    if allow_gap:
        return
    timeline = sorted([*same_scope, new], key=lambda t: t.valid_from)
    for before, after in itertools.pairwise(timeline):
        if before.valid_to is not None and before.valid_to < after.valid_from:
            raise TariffError(
                "valid from" if after is new else "valid to",
                (after.valid_from if after is new else before.valid_to).isoformat(),
                f"leaves {before.valid_to.isoformat()} .. {after.valid_from.isoformat()} without a tariff "
                "(pass --allow-gap if that is intended)",
            )
