"""Registry rows written straight into the tables (below the CLI's validation), and the test state secret."""

from __future__ import annotations

import secrets

import psycopg

STATE_SECRET = "s" * 16 + secrets.token_hex(16)


def add_building(conn: psycopg.Connection, code: str) -> None:
    conn.execute("INSERT INTO buildings (code, name) VALUES (%s, %s)", (code, f"Building {code}"))


def add_meter(conn: psycopg.Connection, building: str, prm: str, direction: str = "consumption") -> int:
    row = conn.execute(
        "INSERT INTO meters (building_code, provider, meter_id, direction) VALUES (%s, 'enedis', %s, %s) RETURNING id",
        (building, prm, direction),
    ).fetchone()
    assert row is not None
    return int(row[0])
