"""monthly_consumption: the local month per meter, with month-over-month and year-over-year change."""

from __future__ import annotations

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)


def rebuild_monthly(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:  # noqa: ARG001
    """From daily_consumption (already rebuilt for this month); MoM/YoY of later months are refreshed too."""
    params = {"building": bm.building, "month": bm.month}
    conn.execute(SQL["delete_monthly_window"], params)
    written = conn.execute(SQL["insert_monthly_consumption"], params).rowcount
    conn.execute(SQL["refresh_monthly_changes"], params)
    return written
