"""The demo's closing summary: what was loaded, where the gaps are and why, what was detected and sent."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql

from linky_pipeline.lib.store.db import connect
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.local.stack import SANDBOX_CLIENT_SECRET, LocalStack
from linky_pipeline.sandbox.ores.settings import CLIENT_SECRET as ORES_CLIENT_SECRET

SQL = SqlFiles(__name__)

TABLES = (
    "buildings",
    "meters",
    "raw_load_curves",
    "fetch_state",
    "readings",
    "daily_consumption",
    "monthly_consumption",
    "daily_max_power",
    "consumption_anomalies",
    "daily_cost",
    "monthly_cost",
    "usage_alerts",
    "monthly_reports",
    "notifications",
    "audit_log",
)


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - the demo talks to the user


def _scalar(conn: psycopg.Connection, query: Any, params: Any = None) -> int:
    row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else 0


def deliver_and_report(
    stack: LocalStack, report_month: date, reports_dir: Path, belgian: tuple[str, str] | None = None
) -> None:
    """`belgian`: (building, EAN) of the ORES building, reported on its own."""
    from linky_pipeline.local.demo.notify import deliver_demo_notifications

    delivered, in_mailbox = deliver_demo_notifications(stack)
    with connect(stack.database_url) as conn:
        say("\nRows per table:")
        for table in TABLES:
            count = _scalar(conn, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            say(f"  {table:<22} {count:>9,}")
        say("\nPer meter (local days; curve = readings, official = daily endpoint):")
        say(
            f"  {'building':<12} {'meter':<18} {'direction':<11} {'first day':<10} {'days':>5} {'readings':>8} "
            f"{'complete':>8} {'no data':>7}  gaps explained"
        )
        for row in conn.execute(SQL["demo_meter_summary"]):
            code, prm, direction, first, days, readings, complete, gaps, gap_weekdays = row
            why = (
                "—"
                if not gaps
                else (
                    "sandbox holes (Tue/Wed)"
                    if set(gap_weekdays) <= {2, 3}
                    else f"weekdays {sorted(set(gap_weekdays))}"
                )
            )
            say(
                f"  {code:<12} {prm:<18} {direction:<11} {first!s:<10} {days:>5} {readings:>8,} "
                f"{complete:>7.1%} {gaps:>7}  {why}"
            )
        empty = conn.execute(
            "SELECT m.building_code, count(*) FILTER (WHERE e.resolved_at IS NULL) FROM empty_answers e "
            "JOIN meters m ON m.id = e.meter_pk GROUP BY 1 ORDER BY 1"
        ).fetchall()
        shown = ", ".join(f"{code} {n}" for code, n in empty) or "none"
        say(f"\nDays a 200 answered without any point (check no_silent_empty_answer, never a quiet gap): {shown}")
        say("\nAnomalies (7-day moving average rule):")
        rows = conn.execute(
            "SELECT building_code, granularity, severity, count(*) FROM consumption_anomalies "
            "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ).fetchall()
        for code, granularity, severity, count in rows:
            say(f"  {code:<12} {granularity:<8} {severity:<8} {count:>4}")
        if not rows:
            say("  none")
        if belgian is not None:
            from linky_pipeline.local.demo.belgian import ores_lines

            for line in ores_lines(conn, stack.ores_url, *belgian):
                say(line)
        say_costs(conn, report_month, reports_dir)
    say(quota_report(stack))
    say(
        f"\nE-mails delivered by this run: {delivered} ({in_mailbox} in {stack.mailbox}/, one .eml file each; "
        "each anomaly is notified once, so a second demo run sends none)."
    )
    say(secrets_check(stack))


def say_costs(conn: psycopg.Connection, report_month: date, reports_dir: Path) -> None:
    """Costs of the last three months per priced building, usage alerts by rule, and the reports written."""
    say("\nCosts (daily_cost → monthly_cost; partial = incomplete days or unknown Tempo colour):")
    rows = conn.execute(SQL["demo_cost_summary"]).fetchall()
    for code, tariff, month, kwh, total, partial_days in rows:
        say(f"  {code:<12} {tariff:<55} {month:%Y-%m}  {kwh:>8.1f} kWh  {total:>8.2f} €  partial days {partial_days}")
    if not rows:
        say("  none")
    alerts = conn.execute("SELECT rule, count(*) FROM usage_alerts GROUP BY 1 ORDER BY 1").fetchall()
    say("Usage alerts: " + (", ".join(f"{rule} {n}" for rule, n in alerts) or "none"))
    say(f"Monthly reports of {report_month:%Y-%m} (HTML + PDF, under {reports_dir}):")
    for code, pdf, kwh, total in conn.execute(
        "SELECT building_code, pdf_path, kwh, total_eur FROM monthly_reports WHERE month = %s ORDER BY 1",
        (report_month,),
    ):
        cost = f"{total:.2f} €" if total is not None else "no tariff"
        say(f"  {code:<12} {kwh:>8.1f} kWh  {cost:>10}  {pdf}")


def quota_report(stack: LocalStack) -> str:
    """What the sandbox counted per API in its current hour window, against the per-API quota it enforces."""
    report = httpx.get(f"{stack.sandbox_url}/sandbox/quota", timeout=10).json()
    used = ", ".join(f"{api} {n}" for api, n in report["used_this_hour"].items()) or "none"
    refused = sum(report["refused"].values())
    return (
        f"\nEnedis quota (enforced by the sandbox per API: {report['per_second']}/s, {report['per_hour']}/h): calls "
        f"in the current hour: {used}; refused with a 429 (each waited out and retried by the client): {refused}."
    )


def secrets_check(stack: LocalStack) -> str:
    """Search every stored Dagster event and the warehouse's free-text columns for the client secrets, the vault
    key, the state secret and every code and token the sandbox issued during the demo."""
    keys = [os.environ.get(name, "") for name in ("LINKY_ENCRYPTION_KEYS", "LINKY_STATE_SECRET")]
    fixed = [SANDBOX_CLIENT_SECRET, ORES_CLIENT_SECRET, *(k for k in keys if k)]
    secrets = [*fixed, *stack.issued_tokens()]
    head, _, _ = stack.database_url.rpartition("/")
    with connect(f"{head}/dagster") as conn:
        events = _scalar(conn, "SELECT count(*) FROM event_logs")
        leaks = sum(_scalar(conn, "SELECT count(*) FROM event_logs WHERE strpos(event, %s) > 0", (s,)) for s in secrets)
    with connect(stack.database_url) as conn:
        leaks += sum(_scalar(conn, SQL["count_secret_mentions"], {"s": s}) for s in secrets)
    verdict = "none found" if leaks == 0 else f"{leaks} LEAK(S) FOUND"
    return (
        f"Secrets check: {len(fixed)} client secrets and keys, {len(secrets) - len(fixed)} codes and tokens searched "
        f"in {events:,} Dagster "
        f"events and the warehouse: {verdict}."
    )
