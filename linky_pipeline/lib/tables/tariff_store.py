"""Tariffs and Tempo colours in the warehouse: validated on the way in, read back as lib.tariffs models."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import cast

import psycopg

from linky_pipeline.lib.domain.registry import RegistryError, get_building
from linky_pipeline.lib.tariffs.models import COLOURS, Colour, Kind, OffPeakRange, Tariff
from linky_pipeline.lib.tariffs.validate import TariffError, check_timeline

_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"


def _lock(conn: psycopg.Connection, building: str) -> None:
    """Two `tariffs add` on one building take turns, so the overlap check sees the other's row."""
    conn.execute(_LOCK, (f"linky:tariffs:{building}",))


def meter_pk_for(conn: psycopg.Connection, building: str, meter_id: str) -> int:
    """The consumption meter `meter_id` of `building` (tariffs price what a building draws)."""
    row = conn.execute(
        "SELECT id FROM meters WHERE building_code = %s AND meter_id = %s AND direction = 'consumption'",
        (building, meter_id),
    ).fetchone()
    if row is None:
        raise TariffError("meter", meter_id, f"no consumption meter with this id in building {building!r}")
    return int(row[0])


def list_tariffs(conn: psycopg.Connection, building: str | None = None) -> list[Tariff]:
    rows = conn.execute(
        "SELECT id, building_code, meter_pk, name, kind, valid_from, valid_to, subscription_eur_month, subscribed_kva "
        "FROM tariffs WHERE %(b)s::text IS NULL OR building_code = %(b)s ORDER BY building_code, meter_pk NULLS FIRST, "
        "valid_from",
        {"b": building},
    ).fetchall()
    ids = [int(r[0]) for r in rows]
    prices: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for tariff_id, period, price in conn.execute(
        "SELECT tariff_id, period, eur_per_kwh FROM tariff_prices WHERE tariff_id = ANY(%s)", (ids,)
    ):
        prices[int(tariff_id)][str(period)] = Decimal(price)
    ranges: dict[int, list[OffPeakRange]] = defaultdict(list)
    for tariff_id, starts, ends in conn.execute(
        "SELECT tariff_id, starts_at, ends_at FROM tariff_offpeak_ranges WHERE tariff_id = ANY(%s) ORDER BY 1, 2",
        (ids,),
    ):
        ranges[int(tariff_id)].append(OffPeakRange(starts, ends))
    return [
        Tariff(
            id=int(tid),
            building_code=code,
            meter_pk=int(meter_pk) if meter_pk is not None else None,
            name=name,
            kind=cast(Kind, kind),
            valid_from=valid_from,
            valid_to=valid_to,
            subscription_eur_month=Decimal(subscription),
            subscribed_kva=Decimal(kva) if kva is not None else None,
            prices=prices[int(tid)],
            offpeak=tuple(ranges[int(tid)]),
        )
        for tid, code, meter_pk, name, kind, valid_from, valid_to, subscription, kva in rows
    ]


def add_tariff(conn: psycopg.Connection, tariff: Tariff, *, allow_gap: bool = False) -> int:
    """Insert a validated tariff after checking it against the building's others; returns its id."""
    try:
        get_building(conn, tariff.building_code)
    except RegistryError:
        raise TariffError("building", tariff.building_code, "no such building (see `buildings list`)") from None
    with conn.transaction():
        _lock(conn, tariff.building_code)
        check_timeline(list_tariffs(conn, tariff.building_code), tariff, allow_gap=allow_gap)
        row = conn.execute(
            "INSERT INTO tariffs (building_code, meter_pk, name, kind, valid_from, valid_to, subscription_eur_month, "
            "subscribed_kva) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                tariff.building_code,
                tariff.meter_pk,
                tariff.name,
                tariff.kind,
                tariff.valid_from,
                tariff.valid_to,
                tariff.subscription_eur_month,
                tariff.subscribed_kva,
            ),
        ).fetchone()
        assert row is not None
        tariff_id = int(row[0])
        conn.cursor().executemany(
            "INSERT INTO tariff_prices (tariff_id, period, eur_per_kwh) VALUES (%s, %s, %s)",
            [(tariff_id, period, price) for period, price in tariff.prices.items()],
        )
        conn.cursor().executemany(
            "INSERT INTO tariff_offpeak_ranges (tariff_id, starts_at, ends_at) VALUES (%s, %s, %s)",
            [(tariff_id, r.starts, r.ends) for r in tariff.offpeak],
        )
    return tariff_id


def remove_tariff(conn: psycopg.Connection, tariff_id: int, *, allow_gap: bool = False) -> Tariff:
    """Delete a tariff; refused when it would leave days unpriced between its neighbours (unless allow_gap).
    Cost rows already computed keep their figures until their month is rebuilt."""
    with conn.transaction():
        found = [t for t in list_tariffs(conn) if t.id == tariff_id]
        if not found:
            raise TariffError("tariff id", tariff_id, "no such tariff (see `tariffs list`)")
        gone = found[0]
        _lock(conn, gone.building_code)
        if not allow_gap:
            scope = [
                t for t in list_tariffs(conn, gone.building_code) if t.meter_pk == gone.meter_pk and t.id != tariff_id
            ]
            before = [t for t in scope if t.valid_to is not None and t.valid_to <= gone.valid_from]
            after = [t for t in scope if gone.valid_to is not None and t.valid_from >= gone.valid_to]
            if before and after:
                raise TariffError(
                    "tariff id",
                    tariff_id,
                    f"removing it leaves {gone.valid_from.isoformat()} .. "
                    f"{gone.valid_to.isoformat() if gone.valid_to else ''} without a tariff (pass --allow-gap)",
                )
        conn.execute("DELETE FROM tariffs WHERE id = %s", (tariff_id,))
    return gone


def store_tempo_days(conn: psycopg.Connection, colours: Mapping[date, Colour], source: str) -> int:
    """Insert or correct Tempo colours; returns the days whose colour is new or changed."""
    for day, colour in colours.items():
        if colour not in COLOURS:
            raise TariffError("tempo colour", colour, f"expected one of {', '.join(COLOURS)} (day {day})")
    with conn.transaction():
        cur = conn.cursor()
        cur.executemany(
            "INSERT INTO tempo_days (day, colour, source) VALUES (%s, %s, %s) ON CONFLICT (day) DO UPDATE "
            "SET colour = EXCLUDED.colour, source = EXCLUDED.source, loaded_at = now() "
            "WHERE tempo_days.colour <> EXCLUDED.colour",
            [(day, colour, source) for day, colour in sorted(colours.items())],
            returning=False,
        )
        changed = cur.rowcount
    return max(changed, 0)


def tempo_colours(conn: psycopg.Connection, start: date, end: date) -> dict[date, Colour]:
    """Known colours of Tempo days in [start, end)."""
    rows = conn.execute("SELECT day, colour FROM tempo_days WHERE day >= %s AND day < %s", (start, end)).fetchall()
    return {day: cast(Colour, colour) for day, colour in rows}
