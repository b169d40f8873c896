"""`make demo`: the whole pipeline on a fresh machine, no credentials (local PostgreSQL + the built-in sandbox).

It runs like production: a code server (location `linky_pipeline`) and one daemon on the local instance; the
history is one backfill (every demo building × every month of the partitions, one range run per building),
launched by the daemon, so `make dev` then shows it under Backfills and its runs in the Overview timeline. Then
last month's reports are rendered and the notifications delivered into the local mailbox.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from datetime import date

import dagster as dg
import httpx
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill

from linky_pipeline.defs import names
from linky_pipeline.defs.partitions import building_month_partitions, month_partitions, partition_key
from linky_pipeline.lib.consent.flow import connect_meters
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.registry import RegistryError, add_building, add_meter
from linky_pipeline.lib.sources import catalog
from linky_pipeline.lib.store.db import connect
from linky_pipeline.local.dagster_services import ServiceError, dagster_services
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
BACKFILL_TIMEOUT_S = 1800
DONE = {BulkActionStatus.COMPLETED_SUCCESS, BulkActionStatus.COMPLETED_FAILED, BulkActionStatus.FAILED}
DONE |= {BulkActionStatus.CANCELED, BulkActionStatus.COMPLETED}


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


def submit_history_backfill(instance: dg.DagsterInstance) -> tuple[str, list[str]]:
    """Every sync asset × every partition of the demo buildings, as one backfill (what the UI's "Materialize"
    on the selected partitions submits)."""
    from linky_pipeline.definitions import defs

    codes = BUILDING_CODES
    known = set(instance.get_dynamic_partitions("building"))
    instance.add_dynamic_partitions("building", [c for c in codes if c not in known])
    months = list(month_partitions.get_partition_keys())
    keys = [str(partition_key(code, date.fromisoformat(m))) for code in codes for m in months]
    subset = building_month_partitions.subset_with_partition_keys(keys)
    graph = defs().get_repository_def().asset_graph
    assets = dg.AssetSelection.groups(*names.SYNC_GROUPS).resolve(graph)
    backfill_id = uuid.uuid4().hex[:8]
    instance.add_backfill(
        PartitionBackfill.from_asset_graph_subset(
            backfill_id=backfill_id,
            backfill_timestamp=time.time(),
            tags={
                names.MODE_TAG: "backfill",
                names.TRIGGER_TAG: "demo",
                names.HISTORY_OF_TAG: ",".join(codes),
            },
            dynamic_partitions_store=instance,
            asset_graph_subset=AssetGraphSubset(  # type: ignore[call-arg]  # NamedTuple defaults unseen by mypy
                partitions_subsets_by_asset_key=dict.fromkeys(assets, subset), non_partitioned_asset_keys=set()
            ),
            title=f"Demo history: {len(codes)} buildings × {months[0][:7]}..{months[-1][:7]}",
            description="Submitted by make demo: every sync asset over every month of the demo buildings.",
            run_config=None,
        )
    )
    return backfill_id, months


def follow_backfill(instance: dg.DagsterInstance, backfill_id: str) -> bool:
    """Print each run of the backfill as it ends; True when every run succeeded."""
    reported: set[str] = set()
    deadline = time.monotonic() + BACKFILL_TIMEOUT_S
    while time.monotonic() < deadline:
        backfill = instance.get_backfill(backfill_id)
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
        for run in sorted(runs, key=lambda r: r.run_id):
            if run.is_finished and run.run_id not in reported:
                reported.add(run.run_id)
                stats = instance.get_run_stats(run.run_id)
                seconds = (stats.end_time or 0) - (stats.start_time or 0)
                say(
                    f"  run {run.run_id[:8]}  {run.tags.get(names.BUILDINGS_TAG, '?'):<12} "
                    f"{run.tags.get(names.MONTHS_TAG, '?'):<17} {run.status.value:<8} {seconds:5.0f} s"
                )
        if backfill is not None and backfill.status in DONE and all(r.is_finished for r in runs):
            return backfill.status == BulkActionStatus.COMPLETED_SUCCESS and all(
                r.status == dg.DagsterRunStatus.SUCCESS for r in runs
            )
        time.sleep(2)
    say(f"  the backfill did not finish within {BACKFILL_TIMEOUT_S} s")
    return False


def main() -> int:
    started = time.monotonic()
    say("linky_pipeline demo: local PostgreSQL + offline Enedis and ORES sandbox, no credentials needed")
    ok = False
    with local_stack() as stack:
        # The daemon's delivery runs find no channel configured (empty settings keep e-mails pending): the demo
        # delivers them itself at the end, into its mailbox, and counts them.
        os.environ.update(dict.fromkeys(SMTP_ENV, ""))
        say(
            f"  database  {stack.database_url}\n  sandbox   {stack.sandbox_url} (ORES: {stack.ores_url})\n"
            f"  dagster   {stack.dagster_home}"
        )
        register(stack)
        from linky_pipeline.local.demo.costs import load_tempo, register_tariffs, render_reports, use_reports_dir

        reports_dir = use_reports_dir()
        register_tariffs(stack)
        load_tempo(stack)
        try:
            with dg.DagsterInstance.get() as instance:
                backfill_id, months = submit_history_backfill(instance)
                say(
                    f"Backfill {backfill_id}: {len(BUILDING_CODES)} buildings × {months[0][:7]}..{months[-1][:7]}, "
                    "one range run per building, launched by the Dagster daemon (logs in .linky/logs/)"
                )
                logs = stack.dagster_home.parent / "logs"
                with dagster_services(stack.dagster_home, logs, ui_port=0, webserver=False):
                    ok = follow_backfill(instance, backfill_id)
                report_month = render_reports(instance, BUILDING_CODES)
        except ServiceError as exc:
            say(f"Dagster did not start: {exc}")
            return 1
        from linky_pipeline.local.demo.report import deliver_and_report

        deliver_and_report(stack, report_month, reports_dir, belgian=(BELGIAN_BUILDING[0], BELGIAN_BUILDING[2]))
    say(f"Done in {time.monotonic() - started:.0f} s. `make dev` opens the Dagster UI on the same state.")
    return 0 if ok else 1


SMTP_ENV = (
    "LINKY_SMTP_HOST",
    "LINKY_SMTP_PORT",
    "LINKY_SMTP_STARTTLS",
    "LINKY_SMTP_USERNAME",
    "LINKY_SMTP_PASSWORD",
    "LINKY_SMTP_SENDER",
    "LINKY_WEBHOOK_SECRET",
    "LINKY_OPS_WEBHOOK_URL",
)


if __name__ == "__main__":
    sys.exit(main())
