"""The demo's report on its Belgian building: what ORES landed, checked against the sandbox's own Wh values."""

from __future__ import annotations

from datetime import date

import httpx
import psycopg

from linky_pipeline.lib.domain.localtime import BRUSSELS, today_in
from linky_pipeline.local.stack import ORES_SANDBOX_TOKEN_TTL_S
from linky_pipeline.sandbox.ores import series


def ores_lines(conn: psycopg.Connection, ores_url: str, code: str, ean: str) -> list[str]:
    """Days, readings, exactness (Σ Wh / 1000 per day), DST days, aggregates, anomalies and the API calls made."""
    lines = [f"\nBelgian building on ORES ({code}, meter {ean}; the seed's contract on the offline sandbox):"]
    meters = conn.execute(
        "SELECT id, direction FROM meters WHERE building_code = %s AND provider = 'ores' ORDER BY direction", (code,)
    ).fetchall()
    dst: dict[date, list[int]] = {}
    for pk, direction in meters:
        days = conn.execute(
            "SELECT day, curve_kwh, interval_count FROM daily_consumption "
            "WHERE meter_pk = %s AND curve_kwh IS NOT NULL ORDER BY day",
            (pk,),
        ).fetchall()
        readings = conn.execute("SELECT count(*) FROM readings WHERE meter_pk = %s", (pk,)).fetchone()
        exact = sum(
            1
            for day, kwh, _ in days
            if kwh == round(sum(wh for _, wh in series.day_values(ean, direction, day)) / 1000, 6)
        )
        span = f"{days[0][0]}..{days[-1][0]}" if days else "-"
        lines.append(
            f"  {direction:<11} {len(days):>4} days {span}  {readings[0] if readings else 0:>7,} readings  "
            f"exact kWh (Σ Wh / 1000): {exact}/{len(days)} days"
        )
        for day, _, count in days:
            if count != 48:
                dst.setdefault(day, []).append(count)
    lines.append(
        "  DST days (half-hours per direction): "
        + (", ".join(f"{d} {'/'.join(map(str, c))}" for d, c in sorted(dst.items())) or "none")
    )
    pks = [pk for pk, _ in meters]
    months = conn.execute("SELECT count(*) FROM monthly_consumption WHERE meter_pk = ANY(%s)", (pks,)).fetchone()
    consumption = [pk for pk, d in meters if d == "consumption"]
    found = {
        r[0]
        for r in conn.execute(
            "SELECT local_day FROM consumption_anomalies WHERE meter_pk = ANY(%s) AND granularity = 'day'",
            (consumption,),
        )
    }
    first = conn.execute("SELECT min(day) FROM daily_consumption WHERE meter_pk = ANY(%s)", (consumption,)).fetchone()
    injected = (
        {a.day for a in series.injected_anomalies(ean, first[0], today_in(BRUSSELS))} if first and first[0] else set()
    )
    lines.append(
        f"  monthly rows: {months[0] if months else 0}; anomalies: {len(found)} day anomalies found, "
        f"{len(injected & found)}/{len(injected)} of the days the sandbox inflated"
    )
    stats = httpx.get(f"{ores_url}/sandbox/stats", timeout=10).json()
    calls = stats["calls"]
    lines.append(
        f"  ORES calls: {calls.get('consumption_load_curve', 0) + calls.get('production_load_curve', 0)} curve, "
        f"{calls.get('token:authorization_code', 0)} code exchange, {calls.get('token:refresh_token', 0)} refresh; "
        f"refused: {stats['statuses'].get('401', 0)} for an expired token (tokens live {ORES_SANDBOX_TOKEN_TTL_S} s), "
        f"{stats['statuses'].get('429', 0)} for pace (quota: 1 request / 2 s per building)"
    )
    return lines
