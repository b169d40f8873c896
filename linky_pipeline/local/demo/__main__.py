"""`make demo`: the whole pipeline on a fresh machine, no credentials (local PostgreSQL + the built-in sandbox)."""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from datetime import date

import dagster as dg

from linky_pipeline.defs.automation.runs import history_months, rectangle_tags
from linky_pipeline.lib.domain.localtime import PARIS, next_month, today_in
from linky_pipeline.lib.domain.registry import RegistryError, add_building, add_meter
from linky_pipeline.lib.store.db import connect
from linky_pipeline.local.stack import LocalStack, local_stack

DEMO_BUILDINGS = [
    ("demo-normal", "Résidence Normale", [("22516914714270", "consumption")]),
    ("demo-holes", "Immeuble Lacunes (relevés absents mardi et mercredi)", [("42900589957123", "consumption")]),
    (
        "demo-solar",
        "Maison Solaire (autoconsommation)",
        [("12655648759651", "consumption"), ("12655648759651", "production")],
    ),
]
MONTHS_PER_RUN = 12
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # the UI has the full event log


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - the demo talks to the user


def register(stack: LocalStack) -> None:
    with connect(stack.database_url) as conn:
        for code, name, meters in DEMO_BUILDINGS:
            try:
                add_building(conn, code, name, "Europe/Paris")
            except RegistryError:
                say(f"  building {code} already registered")
            for prm, direction in meters:
                with contextlib.suppress(RegistryError):  # already registered by an earlier demo
                    add_meter(conn, code, "enedis", prm, direction)


def month_chunks(first: date, last: date, size: int) -> list[tuple[date, date]]:
    chunks, start = [], first
    while start <= last:
        end = start
        for _ in range(size - 1):
            if next_month(end) > last:
                break
            end = next_month(end)
        chunks.append((start, end))
        start = next_month(end)
    return chunks


def backfill(instance: dg.DagsterInstance) -> None:
    from linky_pipeline.definitions import defs

    job = defs().resolve_job_def("linky_sync")
    instance.add_dynamic_partitions("building", [code for code, _, _ in DEMO_BUILDINGS])
    first, last = history_months(today_in(PARIS))
    chunks = month_chunks(first, last, MONTHS_PER_RUN)
    total = len(chunks) * len(DEMO_BUILDINGS)
    say(f"Backfilling {len(DEMO_BUILDINGS)} buildings × {first:%Y-%m}..{last:%Y-%m} in {total} Dagster runs")
    step = 0
    for code, _, _ in DEMO_BUILDINGS:
        for start, end in chunks:
            step += 1
            began = time.monotonic()
            tags = {**rectangle_tags(code, code, start, end), "linky/mode": "backfill"}
            result = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False, run_config=QUIET)
            calls = _metadata(result, "raw_load_curves", "api_calls")
            rows = _metadata(result, "readings", "rows_written")
            state = "ok" if result.success else "FAILED"
            say(
                f"  [{step:>2}/{total}] {code:<12} {start:%Y-%m}..{end:%Y-%m}  {state}  api_calls={calls} "
                f"readings={rows}  ({time.monotonic() - began:.1f} s, run {result.run_id[:8]})"
            )


def _metadata(result: dg.ExecuteInProcessResult, node: str, key: str) -> object:
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat.asset_key.to_user_string() == node and key in mat.metadata:
            return mat.metadata[key].value
    return "-"


def main() -> int:
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    started = time.monotonic()
    say("linky_pipeline demo: local PostgreSQL + offline Enedis sandbox, no credentials needed")
    with local_stack() as stack:
        say(f"  database  {stack.database_url}\n  sandbox   {stack.sandbox_url}\n  dagster   {stack.dagster_home}")
        register(stack)
        from linky_pipeline.local.demo.costs import load_tempo, register_tariffs, render_reports, use_reports_dir

        reports_dir = use_reports_dir()
        register_tariffs(stack)
        load_tempo(stack)
        with dg.DagsterInstance.get() as instance:
            backfill(instance)
            report_month = render_reports(instance, [code for code, _, _ in DEMO_BUILDINGS])
        from linky_pipeline.local.demo.report import deliver_and_report

        deliver_and_report(stack, report_month, reports_dir)
    say(f"Done in {time.monotonic() - started:.0f} s. `make dev` opens the Dagster UI on the same state.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
