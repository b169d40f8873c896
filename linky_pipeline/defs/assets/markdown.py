"""Markdown previews for materialization metadata: per-meter completeness with its gaps explained, and the top
anomalies of a building-month."""

from collections import Counter
from datetime import date
from typing import Final

from linky_pipeline.lib.tables.summaries import Anomaly, MeterDays, MeterMonth

TOP_ANOMALIES: Final = 5
WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def explain_gaps(days: list[date]) -> str:
    """Why days are missing, as far as the days themselves tell: a weekly pattern, a run at the end, or a list."""
    if not days:
        return "—"
    weekdays = Counter(d.weekday() for d in days)
    listed = ", ".join(f"{d:%d}" for d in days[:8]) + ("…" if len(days) > 8 else "")
    if len(days) >= 3 and len(weekdays) <= 2:
        names = "/".join(WEEKDAYS[w] for w in sorted(weekdays))
        return f"every {names} ({listed}): a recurring hole in the provider's data"
    return f"no data answered for day(s) {listed}"


def completeness_table(rows: list[MeterDays]) -> str:
    if not rows:
        return "No day expected for this building-month (no meter, or nothing published yet)."
    lines = [
        "| meter | flow | days | complete | without data | completeness | kWh | gaps explained |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        complete = r.days - r.incomplete_days
        lines.append(
            f"| {r.meter_id} | {r.metric} | {r.days} | {complete} | {r.days_without_data} | {r.completeness:.1%} "
            f"| {r.total_kwh:,.1f} | {explain_gaps(r.gap_days)} |"
        )
    return "\n".join(lines)


def monthly_table(rows: list[MeterMonth]) -> str:
    if not rows:
        return "No monthly row for this building-month."
    lines = ["| meter | flow | kWh | completeness | MoM % | YoY % |", "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        kwh = "—" if r.total_kwh is None else f"{r.total_kwh:,.1f}"
        mom = "—" if r.mom_change_pct is None else f"{r.mom_change_pct:+.1f}"
        yoy = "—" if r.yoy_change_pct is None else f"{r.yoy_change_pct:+.1f}"
        lines.append(f"| {r.meter_id} | {r.metric} | {kwh} | {r.completeness:.1%} | {mom} | {yoy} |")
    return "\n".join(lines)


def anomalies_table(rows: list[Anomaly]) -> str:
    if not rows:
        return "No anomaly in this building-month."
    lines = [
        f"Top {min(TOP_ANOMALIES, len(rows))} of {len(rows)} (largest deviation from the 7-day average first):",
        "",
        "| when | meter | granularity | severity | kWh | 7-day avg | above avg |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for a in rows[:TOP_ANOMALIES]:
        when = a.local_day.isoformat() if a.granularity == "day" else f"{a.ts:%Y-%m-%d %H:%M} UTC"
        lines.append(
            f"| {when} | {a.meter_id} | {a.granularity} | {a.severity} | {a.value_kwh:.3f} | {a.avg_7d:.3f} "
            f"| {a.variance_percent:+.0f} % |"
        )
    return "\n".join(lines)
