"""The demo's tariffs (one building on HP/HC at odd minutes, one on Tempo), Tempo colours from the sandbox's RTE
emulation, the monthly reports, and what they cost."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from linky_pipeline.defs.automation.runs import rectangle_tags
from linky_pipeline.lib.domain.localtime import PARIS, month_start, today_in
from linky_pipeline.lib.store.db import connect
from linky_pipeline.lib.tables.tariff_store import add_tariff, list_tariffs, store_tempo_days
from linky_pipeline.lib.tariffs.rte_tempo import RteTempoClient
from linky_pipeline.lib.tariffs.validate import build_tariff
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, LocalStack
from linky_pipeline.local.state import LOCAL_STATE

TARIFFS_FROM = date(2023, 1, 1)
TEMPO_PRICES = {
    "BLUE_HP": "0.1609",
    "BLUE_HC": "0.1296",
    "WHITE_HP": "0.1894",
    "WHITE_HC": "0.1486",
    "RED_HP": "0.7562",
    "RED_HC": "0.1568",
}
REPORTS_DIR = LOCAL_STATE / "reports"


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - the demo talks to the user


def use_reports_dir() -> Path:
    """Reports of the demo go under .linky/reports unless LINKY_REPORTS_DIR says otherwise."""
    os.environ.setdefault("LINKY_REPORTS_DIR", str(REPORTS_DIR.resolve()))
    return Path(os.environ["LINKY_REPORTS_DIR"])


def register_tariffs(stack: LocalStack) -> None:
    """demo-normal: HP/HC with off-peak 01:34–07:34 and 12:04–14:04, 6 kVA; demo-solar: Tempo, 9 kVA."""
    wanted = {
        "demo-normal": build_tariff(
            building_code="demo-normal",
            name="HP/HC 6 kVA (heures creuses 01:34-07:34 et 12:04-14:04)",
            kind="hphc",
            valid_from=TARIFFS_FROM,
            valid_to=None,
            subscription="15.74 €/month",
            prices={"HP": "0.2700", "HC": "0.2068"},
            offpeak=["01:34-07:34", "12:04-14:04"],
            subscribed_kva="6 kVA",
        ),
        "demo-solar": build_tariff(
            building_code="demo-solar",
            name="Tempo 9 kVA",
            kind="tempo",
            valid_from=TARIFFS_FROM,
            valid_to=None,
            subscription="19.04 €/month",
            prices=TEMPO_PRICES,
            subscribed_kva="9 kVA",
        ),
    }
    with connect(stack.database_url) as conn:
        for code, tariff in wanted.items():
            if not list_tariffs(conn, code):
                add_tariff(conn, tariff)
                say(f"  tariff {tariff.name} → {code}")


def load_tempo(stack: LocalStack) -> None:
    """Colours of every day the demo prices, from the sandbox's emulation of RTE's Tempo API."""
    client = RteTempoClient(stack.sandbox_url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)
    try:
        colours = client.colours(TARIFFS_FROM, today_in(PARIS) + timedelta(days=1))
    finally:
        client.close()
    with connect(stack.database_url) as conn:
        changed = store_tempo_days(conn, colours, "rte-api (sandbox)")
    say(f"  Tempo colours: {len(colours)} days from the sandbox's RTE API ({changed} new)")


def render_reports(instance: dg.DagsterInstance, buildings: list[str]) -> date:
    """The monthly report job over every demo building for last month (the month the 8th's schedule renders)."""
    from linky_pipeline.definitions import defs

    month = month_start(month_start(today_in(PARIS)) - timedelta(days=1))
    job = defs().resolve_job_def("linky_monthly_report")
    tags = rectangle_tags(buildings[0], buildings[-1], month, month)
    result = job.execute_in_process(
        instance=instance,
        tags=tags,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    say(f"Monthly reports of {month:%Y-%m}: {'ok' if result.success else 'FAILED'} (run {result.run_id[:8]})")
    return month
