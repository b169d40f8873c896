"""The demo's closing summary: what was loaded, where the gaps are and why, what was detected and sent."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from linky_pipeline.lib.store.db import connect
from linky_pipeline.lib.store.sql import SqlFiles
from linky_pipeline.local.stack import SANDBOX_CLIENT_SECRET, LocalStack

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
    "notifications",
    "audit_log",
)


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - the demo talks to the user


def _scalar(conn: psycopg.Connection, query: Any, params: Any = None) -> int:
    row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else 0


def report(stack: LocalStack, delivered: int, in_mailbox: int) -> None:
    with connect(stack.database_url) as conn:
        say("\nRows per table:")
        for table in TABLES:
            count = _scalar(conn, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            say(f"  {table:<22} {count:>9,}")
        say("\nPer meter (local days; curve = readings, official = daily endpoint):")
        say(
            f"  {'building':<12} {'meter':<15} {'direction':<11} {'first day':<10} {'days':>5} {'readings':>8} "
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
                f"  {code:<12} {prm:<15} {direction:<11} {first!s:<10} {days:>5} {readings:>8,} "
                f"{complete:>7.1%} {gaps:>7}  {why}"
            )
        say("\nAnomalies (7-day moving average rule):")
        rows = conn.execute(
            "SELECT building_code, granularity, severity, count(*) FROM consumption_anomalies "
            "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ).fetchall()
        for code, granularity, severity, count in rows:
            say(f"  {code:<12} {granularity:<8} {severity:<8} {count:>4}")
        if not rows:
            say("  none")
    say(
        f"\nE-mails delivered by this run: {delivered} ({in_mailbox} in {stack.mailbox}/, one .eml file each; "
        "each anomaly is notified once, so a second demo run sends none)."
    )
    say(secrets_check(stack))


def secrets_check(stack: LocalStack) -> str:
    """Search every stored Dagster event and the warehouse's free-text columns for the client secret and every
    access token the sandbox issued during the demo."""
    secrets = [SANDBOX_CLIENT_SECRET, *stack.issued_tokens()]
    head, _, _ = stack.database_url.rpartition("/")
    with connect(f"{head}/dagster") as conn:
        events = _scalar(conn, "SELECT count(*) FROM event_logs")
        leaks = sum(_scalar(conn, "SELECT count(*) FROM event_logs WHERE strpos(event, %s) > 0", (s,)) for s in secrets)
    with connect(stack.database_url) as conn:
        leaks += sum(_scalar(conn, SQL["count_secret_mentions"], {"s": s}) for s in secrets)
    verdict = "none found" if leaks == 0 else f"{leaks} LEAK(S) FOUND"
    return (
        f"Secrets check: client secret and {len(secrets) - 1} access token(s) searched in {events:,} Dagster "
        f"events and the warehouse: {verdict}."
    )
