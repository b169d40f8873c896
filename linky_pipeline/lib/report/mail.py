"""The monthly e-mail: the report's PDF attached, sent once per building-month to the building's e-mail recipients
(those of its alert rules, else of the global rules), through the outbox."""

from __future__ import annotations

from datetime import date, datetime

import psycopg

from linky_pipeline.lib.notify.outbox import enqueue
from linky_pipeline.lib.report.data import MONTHS_FR
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)


def enqueue_monthly_report_email(
    conn: psycopg.Connection, building: str, month: date, *, now: datetime | None = None
) -> int:
    """Outbox rows (kind monthly_report, dedupe monthly_report:{building}:{month}:{recipient}); 0 when the
    report was not rendered or nobody is to receive it. Does not commit."""
    row = conn.execute(SQL["select_report"], {"building": building, "month": month}).fetchone()
    if row is None:
        return 0
    name, timezone, pdf_path, kwh, total_eur, partial, completeness = row
    payload = {
        "building_code": building,
        "building_name": name,
        "timezone": timezone,
        "month": month.isoformat(),
        "month_label": f"{MONTHS_FR[month.month - 1]} {month.year}",
        "pdf_path": pdf_path,
        "kwh": kwh,
        "total_eur": float(total_eur) if total_eur is not None else None,
        "cost_partial": partial,
        "completeness": completeness,
    }
    recipients = [r[0] for r in conn.execute(SQL["select_report_recipients"], {"building": building}).fetchall()]
    return sum(
        enqueue(conn, "monthly_report", f"monthly_report:{building}:{month:%Y-%m}:{r}", building, "email", r, payload,
                now=now)
        for r in recipients
    )  # fmt: skip
