"""CPU per fetched window of the nightly's parse + combine + land path: the array paths against the general rules.

Usage: .venv/bin/python benchmarks/fetch_cpu.py [--meters 300] [--repeat 5] [--night 2026-11-20] [--no-sql]

The answers are the fleet sandbox's own v2 bodies (linky_pipeline.sandbox.fleet), as the steady nightly asks them:
per meter one 7-day consumption load-curve window and one 7-day daily max-power window, serialised once to bytes
and replayed. Per window the path is what the run process does between the HTTP answer and the landing's SQL:
json_or_none, parse_v2, results.combine, days_answered_empty + days_without_points, check_frame, day_coverage,
day_status of each covered day, and the quarantine's resolve statement (its parameters and execute, on a throwaway
PostgreSQL started here; --no-sql leaves it out). The landing's other statements are not part of it. "general"
swaps in the reference rules: parsing.resolve_points (the array path disabled), the per-field point_meta,
frames built from one Series per column, the pandas plausibility split, combine_general,
days_without_points_general, day_coverage_general and the resolve statement fed a list of datetimes. "arrays" is
the code as shipped. Both variants run in the same process, alternating order per round; the median CPU seconds
(time.process_time, this process only: the server's own CPU is not counted) is kept. Every frame, day list and
coverage must be identical between the variants, or the run stops.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import psycopg

from linky_pipeline.lib.domain import coverage
from linky_pipeline.lib.domain.localtime import PARIS, local_midnight_utc
from linky_pipeline.lib.sources import plausibility, results
from linky_pipeline.lib.sources.enedis import frames, parsing, parsing_v2
from linky_pipeline.lib.sources.results import WindowCall, json_or_none
from linky_pipeline.lib.store import migrations
from linky_pipeline.lib.sync import quarantine
from linky_pipeline.local.pgcluster import throwaway_cluster
from linky_pipeline.sandbox.fleet import register_fleet
from linky_pipeline.sandbox.metering import ENDPOINTS, MeteringQuery, v2_body

ENDPOINT_KINDS = {"consumption_load_curve": "curve", "daily_consumption_max_power": "max_power"}
BOUNDS = plausibility.PlausibilityBounds()
NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Answer:
    prm: str
    endpoint: str
    window: tuple[date, date]
    body: bytes


@dataclass(frozen=True)
class Landed:
    frame: pd.DataFrame
    empty: list[date]
    no_data: list[date]
    coverage: dict[date, tuple[int, int]]
    statuses: list[tuple[str, int]]


def answers(meters: int, night: date) -> list[Answer]:
    first, end = night - timedelta(days=7), night
    days = [first + timedelta(days=d) for d in range(7)]
    out = []
    for prm in register_fleet(meters):
        for name in ENDPOINT_KINDS:
            body = v2_body(ENDPOINTS[name], MeteringQuery(prm, first, end), days)
            out.append(Answer(prm, name, (first, end), json.dumps(body).encode()))
    return out


def general_point_meta(item: object, where: str, keys: tuple[str, str, str]) -> parsing.Meta:
    """point_meta before the shortcut: the field path built for every code."""
    if not isinstance(item, dict):
        return (None, None, None)
    n, iv, ec = (parsing.code(f"{where}.{k}", item.get(k)) for k in keys)
    return (n, iv, ec)


def no_array_path(*_args: object, **_kwargs: object) -> None:
    return None


def never_sure(*_args: object, **_kwargs: object) -> bool:
    """plausibility.all_plausible disabled: the pandas split judges every frame."""
    return False


def series_frame(columns: dict[str, object]) -> pd.DataFrame:
    """frames.frame before the shortcut: one Series per column, aligned by the DataFrame constructor."""
    return pd.DataFrame({name: pd.Series(column) for name, column in columns.items()})


@contextlib.contextmanager
def general_rules() -> Iterator[None]:
    saved = parsing.steady_curve, parsing_v2.point_meta, frames.frame, plausibility.all_plausible
    parsing.steady_curve, parsing_v2.point_meta, frames.frame = no_array_path, general_point_meta, series_frame
    plausibility.all_plausible = never_sure
    try:
        yield
    finally:
        parsing.steady_curve, parsing_v2.point_meta, frames.frame, plausibility.all_plausible = saved


GENERAL_RESOLVE = """UPDATE implausible_values SET resolved_at = %(now)s
WHERE meter_pk = %(meter_pk)s AND endpoint = %(endpoint)s AND interval_start = ANY(%(starts)s)
  AND resolved_at IS NULL"""  # the statement before the timestamptz[] literal, fed a list of datetimes


def resolve(conn: psycopg.Connection, answer: Answer, plausible: pd.DataFrame, general: bool) -> None:
    """The quarantine's resolve statement of one window (quarantine.record_implausible's first step)."""
    params: dict[str, object] = {"meter_pk": 1, "endpoint": answer.endpoint, "now": NOW}
    if general:
        if "ts" in plausible.columns:
            params["starts"] = [t.to_pydatetime() for t in plausible["ts"]]
        else:
            params["starts"] = [local_midnight_utc(d, PARIS) for d in plausible["day"]]
        conn.execute(GENERAL_RESOLVE, params)
    else:
        params["starts"] = quarantine.plausible_starts(
            quarantine.LandedCheck(1, answer.prm, answer.endpoint, PARIS, plausibility.Checked(plausible, []))
        )
        conn.execute(quarantine.SQL["resolve_implausible_values"], params)


def land(answer: Answer, general: bool, conn: psycopg.Connection | None) -> Landed:
    kind: Any = ENDPOINT_KINDS[answer.endpoint]
    payload = json_or_none(answer.body)
    assert payload is not None
    frame = parsing_v2.parse_v2(payload, endpoint=answer.endpoint, prm=answer.prm, window=answer.window)
    calls = [WindowCall(answer.endpoint, *answer.window, "v2", 200, {}, payload, "", "ok")]
    combine = results.combine_general if general else results.combine
    without = results.days_without_points_general if general else results.days_without_points
    by_day = coverage.day_coverage_general if general else coverage.day_coverage
    combined = combine(kind, [frame])
    empty = without(kind, combined, calls, PARIS)  # days_answered_empty: every call here answered "ok"
    no_data = without(kind, combined, calls, PARIS)
    checked = plausibility.check_frame(kind, combined, BOUNDS)
    covered = by_day(kind, checked.plausible, PARIS)
    statuses = [coverage.day_status(kind, d, covered, PARIS, None) for d in sorted(covered)]
    if conn is not None:
        resolve(conn, answer, checked.plausible, general)
    return Landed(combined, empty, no_data, covered, statuses)


def run(all_answers: list[Answer], general: bool, conn: psycopg.Connection | None) -> tuple[float, list[Landed]]:
    began = time.process_time()
    if general:
        with general_rules():
            landed = [land(a, True, conn) for a in all_answers]
    else:
        landed = [land(a, False, conn) for a in all_answers]
    return time.process_time() - began, landed


def same(a: list[Landed], b: list[Landed]) -> None:
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x.frame, y.frame, check_exact=True)
        assert (x.empty, x.no_data, x.coverage, x.statuses) == (y.empty, y.no_data, y.coverage, y.statuses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--meters", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--night", type=date.fromisoformat, default=date(2026, 11, 20))
    parser.add_argument("--no-sql", action="store_true", help="leave out the resolve statement (no PostgreSQL)")
    args = parser.parse_args()
    all_answers = answers(args.meters, args.night)
    windows = len(all_answers)
    print(f"{args.meters} meters, {windows} windows (7-day curve + 7-day max power per meter), night {args.night}")
    with contextlib.ExitStack() as stack:
        conn = None if args.no_sql else stack.enter_context(scratch_database())
        times: dict[bool, list[float]] = {True: [], False: []}
        outputs: dict[bool, list[Landed]] = {}
        run(all_answers[:20], True, conn), run(all_answers[:20], False, conn)  # warm caches and statements: not counted
        for round_ in range(args.repeat):
            for general in [True, False] if round_ % 2 == 0 else [False, True]:
                seconds, outputs[general] = run(all_answers, general, conn)
                times[general].append(seconds)
    same(outputs[True], outputs[False])
    general_s, arrays_s = statistics.median(times[True]), statistics.median(times[False])
    sql = "without the resolve statement" if args.no_sql else "with the resolve statement"
    print(f"| path ({sql}) | CPU s (median of {args.repeat}) | ms per window |")
    print("|---|---|---|")
    for name, seconds in (("general rules", general_s), ("array paths", arrays_s)):
        print(f"| {name} | {seconds:.3f} | {1000 * seconds / windows:.3f} |")
    print(f"general / arrays: {general_s / arrays_s:.2f} ×")


@contextlib.contextmanager
def scratch_database() -> Iterator[psycopg.Connection]:
    """A throwaway PostgreSQL with the migrations and one meter (pk 1): the resolve statement's real cost."""
    with throwaway_cluster() as cluster, psycopg.connect(cluster.create_database("fetch_cpu"), autocommit=True) as conn:
        migrations.upgrade(conn)
        conn.execute("INSERT INTO buildings (code, name) VALUES ('b', 'b')")
        conn.execute("INSERT INTO meters (building_code, provider, meter_id, direction) VALUES ('b', 'enedis', %s, "
                     "'consumption')", ("77000000000000",))  # fmt: skip
        yield conn


if __name__ == "__main__":
    main()
