"""Right to erasure (GDPR art. 17): every row of a building, in every table, in one transaction.

Tables are discovered from the catalogue (any base table with a building_code or meter_pk column), so a table
added later is covered without editing this file. audit_log is the one exception: it must outlive the building
to prove the erasure happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from linky_pipeline.lib.store import audit
from linky_pipeline.lib.store.db import one_row
from linky_pipeline.lib.store.timescale.server import allow_decompression

KEPT_TABLES = frozenset({("public", "audit_log")})


class ErasureError(Exception):
    """Base of erasure failures."""


class UnknownBuildingError(ErasureError):
    """No building with that code."""


class ErasureIncompleteError(ErasureError):
    """Rows of the building survived the deletes (the transaction is rolled back)."""


@dataclass(frozen=True, slots=True)
class BuildingTable:
    """A table holding building data, and how its rows are tied to a building."""

    schema: str
    name: str
    has_building_code: bool
    has_meter_pk: bool

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def building_tables(conn: psycopg.Connection) -> list[BuildingTable]:
    """Every user base table with a building_code or meter_pk column (buildings and meters themselves too)."""
    rows = conn.execute(
        """
        SELECT c.table_schema, c.table_name,
               bool_or(c.column_name = 'building_code'), bool_or(c.column_name = 'meter_pk')
        FROM information_schema.columns c
        JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE t.table_type = 'BASE TABLE'
          AND c.column_name IN ('building_code', 'meter_pk')
          AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
          AND c.table_schema NOT LIKE 'pg\\_%%' AND c.table_schema NOT LIKE '\\_timescaledb%%'
        GROUP BY 1, 2 ORDER BY 1, 2
        """
    ).fetchall()
    return [BuildingTable(*r) for r in rows]


def _predicate(table: BuildingTable) -> sql.Composable:
    """`meter_pk = ANY(%(m)s)` with the ids bound, never a sub-select: TimescaleDB resolves the former against the
    segment-by values of compressed batches and deletes them whole, while `IN (SELECT …)` decompresses every
    batch of the hypertable first (and fails on its per-transaction decompression limit)."""
    parts: list[sql.Composable] = []
    if table.has_building_code:
        parts.append(sql.SQL("building_code = %(b)s"))
    if table.has_meter_pk:
        parts.append(sql.SQL("meter_pk = ANY(%(m)s)"))
    return sql.SQL(" OR ").join(parts)


def _meter_pks(conn: psycopg.Connection, code: str) -> list[int]:
    return [int(r[0]) for r in conn.execute("SELECT id FROM meters WHERE building_code = %s", (code,)).fetchall()]


def _ident(table: BuildingTable) -> sql.Composable:
    return sql.Identifier(table.schema, table.name)


def count_building_rows(conn: psycopg.Connection, code: str) -> dict[str, int]:
    """Rows tied to the building in each table (buildings and meters included, audit_log excluded)."""
    counts: dict[str, int] = {}
    params = {"b": code, "m": _meter_pks(conn, code)}
    for table in building_tables(conn):
        if (table.schema, table.name) in KEPT_TABLES:
            continue
        query = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(_ident(table), _predicate(table))
        counts[table.qualified] = int(one_row(conn.execute(query, params), f"count {table.qualified}")[0])
    for name, text in (
        ("public.meters", "SELECT count(*) FROM meters WHERE building_code = %(b)s"),
        ("public.buildings", "SELECT count(*) FROM buildings WHERE code = %(b)s"),
    ):
        counts[name] = int(one_row(conn.execute(text, {"b": code}), f"count {name}")[0])
    return counts


def erase_building(conn: psycopg.Connection, code: str, actor: str) -> dict[str, int]:
    """Delete the building and everything tied to it, verify nothing is left, audit the counts per table.

    Returns rows deleted per table (schema-qualified names). Commits unless the caller has a transaction open.
    """
    with conn.transaction():
        if conn.execute("SELECT 1 FROM buildings WHERE code = %s FOR UPDATE", (code,)).fetchone() is None:
            raise UnknownBuildingError(f"unknown building {code!r}")
        allow_decompression(conn)
        before = count_building_rows(conn, code)
        params = {"b": code, "m": _meter_pks(conn, code)}
        children = [
            t
            for t in building_tables(conn)
            if (t.schema, t.name) not in KEPT_TABLES
            and (t.schema, t.name) not in {("public", "meters"), ("public", "buildings")}
        ]
        # Children first (explicit, whatever their foreign keys say), then meters, then the building.
        for table in children:
            conn.execute(sql.SQL("DELETE FROM {} WHERE {}").format(_ident(table), _predicate(table)), params)
        conn.execute("DELETE FROM meters WHERE building_code = %s", (code,))
        conn.execute("DELETE FROM buildings WHERE code = %s", (code,))
        left = {name: n for name, n in count_building_rows(conn, code).items() if n}
        if left:
            raise ErasureIncompleteError(f"building {code!r}: rows left after erasure in {left}")
        deleted = dict(sorted(before.items()))
        audit.write(
            conn,
            "building_erased",
            actor,
            building_code=code,
            details={"deleted": deleted, "total_rows": sum(deleted.values()), "tables_checked": sorted(before)},
        )
    return deleted
