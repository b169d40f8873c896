"""P4: every per-building query of the `bi` views at 100 and 1 000 synthetic buildings (36 months each).

Usage: .venv/bin/python benchmarks/bi_queries.py [--buildings 100 1000] [--runs 200]
A throwaway PostgreSQL 18 (or LINKY_DATABASE_URL's server), a fresh migrated database per fleet size, filled in SQL:
two meters per building (consumption, production), 36 months of daily_consumption, monthly_consumption and
daily_max_power (day_start and peak_at_local written as the rebuild writes them), about one anomaly a month per
consumption meter, rows inserted one building-month after the other (the order the pipeline writes them; a
building's rows are then in ~36 runs of pages, not one page per row).
Timed: the Grafana dashboard's queries for one building over 36 months (and over the dashboard's default range, the
last 90 days, for the panels reading the views sql/080 and 081 changed), a `SELECT *` of every per-building view
filtered on one building, and the per-meter monthly view filtered on one meter; p50 and p99 in ms of the round
trip (query sent → every row received by libpq, text format; turning rows into Python objects is the client's cost,
not timed); for the changed daily views and their baselines, also the server's execution time (EXPLAIN ANALYZE,
rows not sent) and execution plus text output (EXPLAIN ANALYZE SERIALIZE TEXT). Baselines in the same database:
the views as they were before sql/061 (bi.monthly_consumption) and before sql/080 and 081 (the daily views
computing local keys per row), and the dashboard's panels over the latter.
Each round draws one building and runs every query once for it, in a shuffled order, so a query and its baseline
see the same buildings and the same load on a shared machine; the ratios compare them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

import psycopg
from synthetic import fresh_database, server_url

REPO = Path(__file__).resolve().parents[1]
FIRST_MONTH, MONTHS = date(2023, 11, 1), 36
FILL = """
INSERT INTO buildings (code, name, timezone)
SELECT format('b%%s', lpad(i::text, 5, '0')), format('Building %%s', i),
       CASE WHEN i %% 4 = 0 THEN 'Europe/Brussels' ELSE 'Europe/Paris' END
FROM generate_series(1, %(n)s) AS i;
INSERT INTO meters (building_code, provider, meter_id, direction, activation_date)
SELECT b.code, 'enedis', lpad((row_number() OVER ())::text, 14, '0'), d.direction, '2020-01-01'
FROM buildings b CROSS JOIN (VALUES ('consumption'), ('production')) AS d (direction);
INSERT INTO daily_consumption (building_code, meter_pk, metric, day, total_kwh, source_used, official_kwh, curve_kwh,
                               interval_count, expected_count, completeness, min_interval_kwh, max_interval_kwh,
                               avg_interval_kwh, day_start)
SELECT m.building_code, m.id, m.direction, d::date, v, 'official', v, v * 0.999, 48, 48, 1, v / 96, v / 24, v / 48,
       d::date::timestamp AT TIME ZONE b.timezone
FROM meters m
JOIN buildings b ON b.code = m.building_code
CROSS JOIN generate_series(%(first)s::date, %(last)s::date - 1, interval '1 day') AS d
CROSS JOIN LATERAL (SELECT 5 + 20 * random() + m.id %% 7 AS v) AS x
ORDER BY date_trunc('month', d), m.building_code, m.id, d;
INSERT INTO monthly_consumption (building_code, meter_pk, metric, month, total_kwh, official_kwh, curve_kwh,
                                 days_with_data, days_in_month, interval_count, expected_count, completeness,
                                 min_daily_kwh, max_daily_kwh, avg_daily_kwh)
SELECT building_code, meter_pk, metric, date_trunc('month', day)::date, sum(total_kwh), sum(official_kwh),
       sum(curve_kwh), count(*),
       extract(day FROM date_trunc('month', min(day)) + interval '1 month - 1 day')::int,
       sum(interval_count), sum(expected_count), avg(completeness), min(total_kwh), max(total_kwh), avg(total_kwh)
FROM daily_consumption GROUP BY 1, 2, 3, 4;
INSERT INTO daily_max_power (building_code, meter_pk, day, max_power_va, peak_at, day_start, peak_at_local)
SELECT building_code, meter_pk, day, 3000 + 4000 * random(), peak_at, day_start, peak_at AT TIME ZONE timezone
FROM (SELECT d.building_code, d.meter_pk, d.day, d.day_start, b.timezone, (d.day + time '19:00')::timestamptz AS peak_at
      FROM daily_consumption d JOIN buildings b ON b.code = d.building_code WHERE d.metric = 'consumption') AS x
ORDER BY date_trunc('month', day), building_code, meter_pk, day;
INSERT INTO consumption_anomalies (anomaly_id, building_code, meter_pk, metric, granularity, rule, ts, local_day,
                                   value_kwh, avg_7d, variance_percent, severity, message)
SELECT md5(meter_pk::text || day::text), building_code, meter_pk, 'consumption', 'day', 'moving_average_7d',
       day::timestamptz, day, total_kwh * 2, total_kwh, 100,
       (ARRAY['Minor', 'Major', 'Critical'])[1 + (meter_pk + extract(doy FROM day)::int) %% 3], 'twice the average'
FROM daily_consumption WHERE metric = 'consumption' AND extract(day FROM day) = 1 + meter_pk %% 28;
ANALYZE;
"""
# Definitions later migrations replaced, created under bench_old_* names as baselines: (file, view).
BASELINES = {
    "pre-061 bi.monthly_consumption": ("002_bi.sql", "monthly_consumption"),  # window not partitioned by building
    "pre-080 bi.daily_consumption": ("002_bi.sql", "daily_consumption"),  # local keys computed per row
    "pre-080 bi.daily_consumption_by_building": ("061_bi_building_filter.sql", "daily_consumption_by_building"),
    "pre-081 bi.daily_max_power": ("002_bi.sql", "daily_max_power"),  # local keys computed per row
}
RECENT = ", last 90 days"  # the dashboard's default time range
# Where a dump's time goes, on the server: the plan run without sending rows, then with their text output too.
SERVER_SIDE = {
    "execution": "EXPLAIN (ANALYZE, TIMING OFF) ",
    "execution + text output": "EXPLAIN (ANALYZE, TIMING OFF, SERIALIZE TEXT) ",
}
EXECUTION_TIME = re.compile(r"Execution Time: ([0-9.]+) ms")


def grafana_queries() -> dict[str, str]:
    """The dashboard's per-building panels, with one building and a 36-month time range."""
    board = json.loads((REPO / "deploy/grafana/dashboards/linky.json").read_text(encoding="utf-8"))
    out = {}
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            text = target.get("rawSql", "")
            if "$building" not in text:
                continue
            text = text.replace("%", "%%").replace("IN ($building)", "= %(building)s")
            text = re.sub(r"\$__timeFilter\(([\w.]+)\)", r"\1 BETWEEN %(start)s AND %(end)s", text)
            out[f"grafana: {panel['title']}"] = text
    return out


def view_queries(conn: psycopg.Connection) -> dict[str, str]:
    views = conn.execute(
        "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.views v "
        "USING (table_schema, table_name) WHERE c.table_schema = 'bi' AND c.column_name = 'building_code' "
        "ORDER BY 1"
    ).fetchall()
    out = {f"bi.{v}": f"SELECT * FROM bi.{v} WHERE building_code = %(building)s" for (v,) in views}
    out["bi.monthly_consumption (one meter)"] = "SELECT * FROM bi.monthly_consumption WHERE meter_pk = %(meter)s"
    return out


def create_baselines(conn: psycopg.Connection) -> dict[str, str]:
    """The replaced definitions as bench_old_* views; their queries, named "baseline: …", keyed like the others."""
    out = {}
    for label, (filename, view) in BASELINES.items():
        text = (REPO / "sql" / filename).read_text(encoding="utf-8")
        found = re.search(rf"CREATE (?:OR REPLACE )?VIEW bi\.{view} AS(.*?);", text, re.S)
        assert found is not None, (filename, view)
        conn.execute(f"CREATE VIEW bench_old_{view} AS {found.group(1)}")
        out[f"baseline: {label}"] = f"SELECT * FROM bench_old_{view} WHERE building_code = %(building)s"
    for name, query in grafana_queries().items():
        for label, (_, view) in BASELINES.items():
            if f"bi.{view} " in query and label.startswith("pre-08"):
                old = query.replace(f"bi.{view} ", f"bench_old_{view} ")
                out[f"baseline: {name} ({label.split()[0]} view)"] = old
                out[f"baseline: {name}{RECENT} ({label.split()[0]} view)"] = old.replace("%(start)s", "%(recent)s")
    return out


def recent_panels() -> dict[str, str]:
    """The panels over the views sql/080 and 081 changed, with the dashboard's default range (the last 90 days)."""
    return {
        f"{name}{RECENT}": query.replace("%(start)s", "%(recent)s")
        for name, query in grafana_queries().items()
        if any(f"bi.{view} " in query for label, (_, view) in BASELINES.items() if label.startswith("pre-08"))
    }


BASELINE_NAMES: list[str] = []  # filled by measure()


def server_side(queries: dict[str, str]) -> dict[str, str]:
    """The changed daily views and their baselines, measured inside the server (EXPLAIN's execution time)."""
    dumps = [f"bi.{view}" for _, view in BASELINES.values() if view != "monthly_consumption"]
    dumps += [f"baseline: {label}" for label in BASELINES if label.startswith("pre-08")]
    return {
        f"{name} [server: {part}]": prefix + queries[name] for name in dumps for part, prefix in SERVER_SIDE.items()
    }


def baseline_of(name: str) -> str | None:
    """The baseline line a query is compared with, if any."""
    if name.endswith("]"):
        name, part = name.split(" [")
        found = baseline_of(name)
        return f"{found} [{part}" if found else None
    if name.startswith("grafana: "):
        return next((k for k in BASELINE_NAMES if k.startswith(f"baseline: {name} (")), None)
    if name.startswith("bi."):
        label = next((k for k in BASELINES if k.endswith(f" {name}")), None)
        return f"baseline: {label}" if label else None
    return None


def measure(server: str, buildings: int, runs: int) -> dict[str, tuple[float, float, int]]:
    with fresh_database(server, "bench_p4") as url, psycopg.connect(url, autocommit=True) as conn:
        index = FIRST_MONTH.year * 12 + FIRST_MONTH.month - 1 + MONTHS
        last = date(index // 12, index % 12 + 1, 1)
        began = time.perf_counter()
        for statement in filter(str.strip, FILL.split(";\n")):
            conn.execute(statement, {"n": buildings, "first": FIRST_MONTH, "last": last})
        queries = {**grafana_queries(), **recent_panels(), **view_queries(conn), **create_baselines(conn)}
        queries |= server_side(queries)
        BASELINE_NAMES[:] = [name for name in queries if name.startswith("baseline: ")]
        print(f"  filled {buildings} buildings in {time.perf_counter() - began:.0f} s")
        codes = [r[0] for r in conn.execute("SELECT code FROM buildings").fetchall()]
        meters = [r[0] for r in conn.execute("SELECT id FROM meters").fetchall()]
        rng = random.Random(4)
        times: dict[str, list[float]] = {name: [] for name in queries}
        rows: dict[str, int] = {}
        for i in range(runs + 5):
            params = {"building": rng.choice(codes), "meter": rng.choice(meters), "start": FIRST_MONTH, "end": last}
            params["recent"] = last - timedelta(days=90)
            for name in rng.sample(list(queries), len(queries)):
                cursor = conn.cursor()
                t = time.perf_counter()
                cursor.execute(queries[name], params)  # returns once libpq holds every row; decoding comes after
                elapsed = time.perf_counter() - t
                fetched = cursor.fetchall()
                rows[name] = len(fetched)
                if name.endswith("]"):  # the server's own measure, and the rows of the query it explained
                    found = EXECUTION_TIME.search("\n".join(line for (line,) in fetched))
                    assert found is not None, fetched
                    elapsed, rows[name] = float(found.group(1)) / 1000, 0
                if i >= 5:  # warm-up excluded
                    times[name].append(elapsed * 1000)
        results = {}
        for name, measured in times.items():
            measured.sort()
            results[name] = (statistics.median(measured), measured[int(0.99 * (len(measured) - 1))], rows[name])
        return results


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--buildings", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with server_url() as server:
        for buildings in args.buildings:
            print(f"\n{buildings} buildings × {MONTHS} months")
            results = measure(server, buildings, args.runs)
            print(f"  load average after the runs: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            header = f"{'query (one building)':<80}{'p50 ms':>8}{'p99 ms':>8}{'rows':>7}"
            print(f"  {header}{'÷ baseline p50':>16}{'p99':>6}")
            for name, (p50, p99, rows) in results.items():
                base = results.get(baseline_of(name) or "")
                ratio = f"{p50 / base[0]:16.2f}{p99 / base[1]:6.2f}" if base else ""
                count = "" if name.endswith("]") else rows  # EXPLAIN's lines are not the query's rows
                print(f"  {name:<80}{p50:8.2f}{p99:8.2f}{count:>7}{ratio}")


if __name__ == "__main__":
    main()
