"""monthly_consumption: the local month per meter, with month-over-month and year-over-year change."""

from __future__ import annotations

from datetime import date

import psycopg

from linky_pipeline.lib.sql import load_sql


def rebuild_monthly(conn: psycopg.Connection, building_code: str, month: date) -> int:
    params = {"building": building_code, "month": month}
    conn.execute(load_sql("delete_monthly_window"), params)
    written = conn.execute(load_sql("insert_monthly_consumption"), params).rowcount
    conn.execute(load_sql("refresh_monthly_changes"), params)
    return written
