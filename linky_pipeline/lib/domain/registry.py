"""Buildings and meters: the registry the pipeline's partitions are derived from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import psycopg

from linky_pipeline.lib.domain import identifiers as ids
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.localtime import PARIS, today_in
from linky_pipeline.lib.store.db import one_row


class RegistryError(ValueError):
    """A registry operation refers to something that does not exist or conflicts."""


@dataclass(frozen=True)
class Building:
    code: str
    name: str
    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        """The building's zone: its local days and months are computed in it."""
        return ZoneInfo(self.timezone)

    def month(self, month: date) -> BuildingMonth:
        return BuildingMonth(self.code, month, self.timezone)


@dataclass(frozen=True)
class Meter:
    pk: int
    building_code: str
    provider: str
    meter_id: str
    direction: str
    activation_date: date | None
    status: str


_METER_COLUMNS = "id, building_code, provider, meter_id, direction, activation_date, status"


def add_building(conn: psycopg.Connection, code: str, name: str, timezone: str = "Europe/Paris") -> Building:
    ids.building_code(code)
    ids.timezone_name(timezone)
    name = ids.display_name("building name", name)
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO buildings (code, name, timezone) VALUES (%s, %s, %s) "
            "ON CONFLICT (code) DO NOTHING RETURNING code",
            (code, name, timezone),
        ).fetchone()
    if row is None:
        raise RegistryError(f"building {code!r} already exists")
    return Building(code, name, timezone)


def get_building(conn: psycopg.Connection, code: str) -> Building:
    row = conn.execute("SELECT code, name, timezone FROM buildings WHERE code = %s", (code,)).fetchone()
    if row is None:
        raise RegistryError(f"unknown building {code!r}")
    return Building(*row)


def building_months(conn: psycopg.Connection, pairs: list[tuple[str, date]]) -> list[BuildingMonth]:
    """(building code, month) pairs resolved against the registry (each building's time zone), sorted."""
    codes = sorted({code for code, _ in pairs})
    rows = conn.execute("SELECT code, timezone FROM buildings WHERE code = ANY(%s)", (codes,)).fetchall()
    zones: dict[str, str] = dict(rows)
    missing = [c for c in codes if c not in zones]
    if missing:
        raise RegistryError(f"unknown building(s) {missing!r}")
    return sorted(BuildingMonth(code, month, zones[code]) for code, month in pairs)


def list_buildings(conn: psycopg.Connection) -> list[Building]:
    return [Building(*r) for r in conn.execute("SELECT code, name, timezone FROM buildings ORDER BY code")]


def remove_building(conn: psycopg.Connection, code: str) -> None:
    """Remove an empty building; one with meters keeps its data until `buildings erase` is asked for."""
    get_building(conn, code)
    with conn.transaction():
        count = one_row(
            conn.execute("SELECT count(*) FROM meters WHERE building_code = %s", (code,)), "count meters of building"
        )[0]
        if count:
            raise RegistryError(
                f"building {code!r} has {count} meter(s); disable them, or delete all its data "
                f"with `linky-pipeline buildings erase {code} --yes`"
            )
        conn.execute("DELETE FROM buildings WHERE code = %s", (code,))


def active_building_codes(conn: psycopg.Connection) -> list[str]:
    """Buildings that have at least one active meter: the ones the nightly run syncs."""
    rows = conn.execute("SELECT DISTINCT building_code FROM meters WHERE status = 'active' ORDER BY 1")
    return [r[0] for r in rows]


def add_meter(
    conn: psycopg.Connection,
    building: str,
    provider: str,
    meter_id: str,
    direction: str,
    activation_date: date | None = None,
) -> Meter:
    ids.provider(provider)
    ids.direction(direction)
    ids.meter_id(provider, meter_id)
    if activation_date is not None and activation_date > today_in(PARIS):
        raise ids.InvalidValueError("activation date", activation_date.isoformat(), "is in the future")
    get_building(conn, building)
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO meters (building_code, provider, meter_id, direction, activation_date) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (provider, meter_id, direction) DO NOTHING "
            f"RETURNING {_METER_COLUMNS}",
            (building, provider, meter_id, direction, activation_date),
        ).fetchone()
    if row is None:
        raise RegistryError(f"meter {provider}/{meter_id}/{direction} is already registered")
    return Meter(*row)


def list_meters(conn: psycopg.Connection, building: str | None = None, *, active_only: bool = False) -> list[Meter]:
    rows = conn.execute(
        f"SELECT {_METER_COLUMNS} FROM meters WHERE (%(b)s::text IS NULL OR building_code = %(b)s) "
        "AND (NOT %(active)s OR status = 'active') ORDER BY building_code, meter_id, direction",
        {"b": building, "active": active_only},
    )
    return [Meter(*r) for r in rows]


def disable_meter(conn: psycopg.Connection, meter_id: str, direction: str | None = None) -> list[Meter]:
    if direction is not None:
        ids.direction(direction)
    with conn.transaction():
        rows = conn.execute(
            "UPDATE meters SET status = 'disabled' WHERE meter_id = %s AND (%s::text IS NULL OR direction = %s) "
            f"RETURNING {_METER_COLUMNS}",
            (meter_id, direction, direction),
        ).fetchall()
    if not rows:
        raise RegistryError(f"unknown meter {meter_id!r}")
    return [Meter(*r) for r in rows]


def set_activation_date(conn: psycopg.Connection, meter_pk: int, activation: date) -> None:
    """Record an activation date the API revealed (ADAM-ERR0123), so later runs never ask before it."""
    conn.execute(
        "UPDATE meters SET activation_date = %s WHERE id = %s AND (activation_date IS NULL OR activation_date < %s)",
        (activation, meter_pk, activation),
    )


def meters_without_history(conn: psycopg.Connection, fetched_providers: list[str]) -> list[tuple[str, int]]:
    """(building, meter pk) of active meters of the fetched providers never fetched yet: they need their history."""
    rows = conn.execute(
        "SELECT m.building_code, m.id FROM meters m WHERE m.status = 'active' "
        "AND m.provider = ANY(%s) AND NOT EXISTS "
        "(SELECT 1 FROM fetch_state f WHERE f.meter_pk = m.id) ORDER BY m.building_code, m.id",
        (fetched_providers,),
    )
    return [(r[0], int(r[1])) for r in rows]
