"""The demo's closing summary: what was loaded, where the gaps are and why, what was detected and sent."""

from __future__ import annotations

from psycopg import sql

from linky_pipeline.lib.db import connect
from linky_pipeline.lib.sql import load_sql
from linky_pipeline.localstack import LocalStack

TABLES = ("buildings", "meters", "raw_load_curves", "fetch_state", "readings", "daily_consumption",
          "monthly_consumption", "daily_max_power", "consumption_anomalies", "notifications", "audit_log")


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - the demo talks to the user


def deliver_and_report(stack: LocalStack) -> None:
    from linky_pipeline.demo_notify import deliver_demo_notifications

    delivered = deliver_demo_notifications(stack)
    with connect(stack.database_url) as conn:
        say("\nRows per table:")
        for table in TABLES:
            count = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            say(f"  {table:<22} {count:>9,}")
        say("\nPer meter (local days; curve = readings, official = daily endpoint):")
        say(f"  {'building':<12} {'meter':<15} {'direction':<11} {'first day':<10} {'days':>5} {'readings':>8} "
            f"{'complete':>8} {'no data':>7}  gaps explained")
        for row in conn.execute(load_sql("demo_meter_summary")):
            code, prm, direction, first, days, readings, complete, gaps, gap_weekdays = row
            why = "—" if not gaps else ("sandbox holes (Tue/Wed)" if set(gap_weekdays) <= {2, 3}
                                        else f"weekdays {sorted(set(gap_weekdays))}")
            say(f"  {code:<12} {prm:<15} {direction:<11} {first!s:<10} {days:>5} {readings:>8,} "
                f"{complete:>7.1%} {gaps:>7}  {why}")
        say("\nAnomalies (7-day moving average rule):")
        rows = conn.execute("SELECT building_code, granularity, severity, count(*) FROM consumption_anomalies "
                            "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").fetchall()
        for code, granularity, severity, count in rows:
            say(f"  {code:<12} {granularity:<8} {severity:<8} {count:>4}")
        if not rows:
            say("  none")
    say(f"\nNotifications delivered: {delivered}; e-mails are in {stack.mailbox}/ (one .eml file each).")
