"""Every table is rebuilt one building-month at a time: one transaction each, under the building-month lock, all on
one connection per run (a connection per building-month cost more than some rebuilds)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter, list_meters
from linky_pipeline.lib.store.locks import lock_building_month
from linky_pipeline.lib.tables.month_rows import RowsWrite

Connect = Callable[[], psycopg.Connection]
Rebuild = Callable[[psycopg.Connection, BuildingMonth, list[Meter]], int | RowsWrite]  # rows, or what changed


@dataclass(frozen=True)
class Rebuilt:
    """What one building-month's rebuild wrote."""

    partition: BuildingMonth
    rows: int  # rows the building-month holds afterwards
    seconds: float
    written: int | None = None  # rows inserted or updated, when the rebuild writes only what changed (else `rows`)
    deleted: int = 0

    @classmethod
    def of(cls, bm: BuildingMonth, built: int | RowsWrite, seconds: float) -> Rebuilt:
        if isinstance(built, RowsWrite):
            return cls(bm, built.rows, seconds, built.written, built.deleted)
        return cls(bm, built, seconds)


def rebuild_on(conn: psycopg.Connection, partitions: list[BuildingMonth], rebuild: Rebuild) -> list[Rebuilt]:
    """Buildings then months ascending (MoM/YoY read the month before), each committed on its own."""
    done = []
    for bm in sorted(partitions):
        started = time.monotonic()
        with conn.transaction():
            lock_building_month(conn, bm.building, bm.month)
            built = rebuild(conn, bm, list_meters(conn, bm.building))
        done.append(Rebuilt.of(bm, built, time.monotonic() - started))
    return done


def rebuild_partitions(connect: Connect, partitions: list[BuildingMonth], rebuild: Rebuild) -> list[Rebuilt]:
    """`rebuild_on` a connection of its own, closed afterwards."""
    with connect() as conn:
        return rebuild_on(conn, partitions, rebuild)
