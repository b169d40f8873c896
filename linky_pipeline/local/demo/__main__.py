"""`make demo`: the whole pipeline on a fresh machine, no credentials (local PostgreSQL + the built-in sandbox)."""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from datetime import date

import dagster as dg
import httpx

from linky_pipeline.defs.automation.runs import history_months, rectangle_tags
from linky_pipeline.lib.consent.flow import connect_meters
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.localtime import PARIS, next_month, today_in
from linky_pipeline.lib.domain.registry import RegistryError, add_building, add_meter
from linky_pipeline.lib.sources import catalog
from linky_pipeline.lib.store.db import connect
from linky_pipeline.local.stack import LocalStack, local_stack
from linky_pipeline.sandbox.ores import DEMO_EAN

DEMO_BUILDINGS = [
    ("demo-normal", "Résidence Normale", [("22516914714270", "consumption")]),
    ("demo-holes", "Immeuble Lacunes (relevés absents mardi et mercredi)", [("42900589957123", "consumption")]),
    (
        "demo-solar",
        "Maison Solaire (autoconsommation)",
        [("12655648759651", "consumption"), ("12655648759651", "production")],
    ),
]
# A Belgian building on ORES (the seed's contract, emulated): its customer consents through the OAuth2 flow.
BELGIAN_BUILDING = ("demo-liege", "Maison Liège (ORES, panneaux solaires)", DEMO_EAN)
BUILDING_CODES = [code for code, _, _ in DEMO_BUILDINGS] + [BELGIAN_BUILDING[0]]
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
    connect_belgian(stack)


def connect_belgian(stack: LocalStack) -> None:
    """`meters connect --provider ores` as a new user runs it, the browser being an HTTP client that follows the
    sandbox's redirects to the local listener (its customer 0 owns the demo EAN, with solar panels)."""
    code, name, ean = BELGIAN_BUILDING
    with connect(stack.database_url) as conn:
        try:
            add_building(conn, code, name, "Europe/Brussels")
        except RegistryError:
            say(f"  building {code} already registered")
        consent = catalog.consent_api("ores", building=code, conninfo=stack.database_url)
        try:
            meters = connect_meters(
                conn,
                consent,
                StateSigner.from_env(),
                building_code=code,
                actor="make demo",
                vault=Vault.from_env(),
                meter_id=ean,
                sandbox_customer=0,
                announce=lambda _url: None,
                open_browser=lambda url: httpx.get(url, follow_redirects=True, timeout=30),
                timeout_s=60,
            )
        finally:
            consent.close()
    directions = " + ".join(m.direction for m in meters)
    verb = "connected" if any(m.created for m in meters) else "re-consented"
    say(f"  {code}: ORES meter {ean} {verb} through the OAuth2 consent flow ({directions})")


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
    known = set(instance.get_dynamic_partitions("building"))
    instance.add_dynamic_partitions("building", [code for code in BUILDING_CODES if code not in known])
    first, last = history_months(today_in(PARIS))
    chunks = month_chunks(first, last, MONTHS_PER_RUN)
    total = len(chunks) * len(BUILDING_CODES)
    say(f"Backfilling {len(BUILDING_CODES)} buildings × {first:%Y-%m}..{last:%Y-%m} in {total} Dagster runs")
    step = 0
    for code in BUILDING_CODES:
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
    say("linky_pipeline demo: local PostgreSQL + offline Enedis and ORES sandbox, no credentials needed")
    with local_stack() as stack:
        say(
            f"  database  {stack.database_url}\n  sandbox   {stack.sandbox_url} (ORES: {stack.ores_url})\n"
            f"  dagster   {stack.dagster_home}"
        )
        register(stack)
        from linky_pipeline.local.demo.costs import load_tempo, register_tariffs, render_reports, use_reports_dir

        reports_dir = use_reports_dir()
        register_tariffs(stack)
        load_tempo(stack)
        with dg.DagsterInstance.get() as instance:
            backfill(instance)
            report_month = render_reports(instance, BUILDING_CODES)
        from linky_pipeline.local.demo.report import deliver_and_report

        deliver_and_report(stack, report_month, reports_dir, belgian=(BELGIAN_BUILDING[0], BELGIAN_BUILDING[2]))
    say(f"Done in {time.monotonic() - started:.0f} s. `make dev` opens the Dagster UI on the same state.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
