"""One building-month's report: figures → files → its monthly_reports row (in the caller's transaction)."""

from __future__ import annotations

from pathlib import Path

import psycopg

from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.report.data import report_data
from linky_pipeline.lib.report.render import ReportFiles, write_report
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)


def build_report(conn: psycopg.Connection, bm: BuildingMonth, reports_dir: Path) -> ReportFiles:
    data = report_data(conn, bm)
    files = write_report(data, reports_dir)
    conn.execute(
        SQL["upsert_report"],
        {
            "building_code": bm.building,
            "month": bm.month,
            "html_path": str(files.html.resolve()),
            "pdf_path": str(files.pdf.resolve()),
            "pdf_sha256": files.pdf_sha256,
            "pdf_bytes": files.pdf_bytes,
            "kwh": data.kwh,
            "total_eur": data.total_eur,
            "cost_partial": data.cost_partial,
            "completeness": min(1.0, max(0.0, data.completeness)),
            "events": data.events_total,
        },
    )
    return files
