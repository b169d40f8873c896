"""`linky-pipeline backfill status|retry-gaps`: how far running syncs are, when each building should be done, what
is still missing, and re-opening days given up."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import click

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib.domain.localtime import PARIS, today_in
from linky_pipeline.lib.store.db import database_url, to_psycopg_url
from linky_pipeline.lib.sync import gaps, progress
from linky_pipeline.lib.sync.eta import ProviderQuotas, building_etas

STALE = timedelta(minutes=10)  # a run without progress for this long may have been killed


@click.group()
def backfill() -> None:
    """Backfills and nightly syncs: progress, ETAs, gaps."""


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    left = moment - now
    if left <= timedelta(0):
        return "now"
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC (in {_duration(left)})"


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{max(minutes, 0)} min"


@backfill.command("status")
@click.option("--building", "buildings", multiple=True, help="Only these buildings (repeatable).")
@click.option("--since-hours", default=24, show_default=True, help="Also list runs finished within these hours.")
def status(buildings: tuple[str, ...], since_hours: int) -> None:
    """Windows landed per building and API for every running sync, each building's ETA from the API quotas, and
    the gaps still asked again or given up."""
    now = datetime.now(UTC)
    with warehouse() as conn:
        rows = progress.lanes(conn, include_finished_after=now - timedelta(hours=since_hours))
        gap_rows = gaps.gap_counts(conn, today_in(PARIS, now), list(buildings) or None)
    scale = float(os.environ.get("LINKY_QUOTA_TIME_SCALE") or 1)
    quotas = ProviderQuotas(to_psycopg_url(database_url()), time_scale=scale)
    try:
        if buildings:
            rows = [r for r in rows if r.building in buildings]
        if not rows:
            click.echo("no sync running or finished recently")
        for run_id in dict.fromkeys(r.run_id for r in rows):
            _print_run(run_id, [r for r in rows if r.run_id == run_id], now, quotas)
    finally:
        quotas.close()
    if gap_rows:
        click.echo("\nmissing days (gaps):")
        for g in gap_rows:
            click.echo(
                f"  {g.building}: {g.waiting} asked again ({g.due} due, next {g.next_attempt or '-'}), "
                f"{g.given_up} given up"
            )
            for reason in g.reasons:
                click.echo(f"    {reason}")


def _print_run(run_id: str, rows: list[progress.LaneProgress], now: datetime, quotas: ProviderQuotas) -> None:
    first = rows[0]
    landed, planned = sum(r.landed for r in rows), sum(r.planned for r in rows)
    failed = sum(r.failed for r in rows)
    if first.finished_at is not None:
        state = f"finished {first.finished_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    else:
        quiet = now - max(r.updated_at for r in rows)
        state = "running" if quiet < STALE else f"no progress for {_duration(quiet)} (killed? re-run it to resume)"
    click.echo(
        f"{first.mode} run {run_id} started {first.started_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC, {state}: "
        f"{landed}/{planned} window(s) landed, {failed} failed"
    )
    active = first.finished_at is None
    queue = [(r.building, r.api, r.remaining if active else 0, r.landed, r.planned) for r in rows]
    etas = {e.building: e for e in building_etas(now, queue, quotas)}
    for building in progress.buildings_of(rows):
        mine = [r for r in rows if r.building == building]
        eta = etas[building]
        share = f"{100 * eta.done / eta.planned:5.1f} %" if eta.planned else "  -   "
        apis = ", ".join(f"{r.api.partition(':')[2]} {r.landed}/{r.planned}" for r in mine)
        done = "done" if eta.remaining == 0 else f"ETA {_when(eta.eta, now)}"
        click.echo(f"  {building:<20} {share}  {done}  [{apis}]")


@backfill.command("retry-gaps")
@click.option("--building", default=None, help="Only this building.")
@click.option("--meter", "meter_id", default=None, help="Only this meter id.")
def retry_gaps(building: str | None, meter_id: str | None) -> None:
    """Ask again, from the next run on, the days given up (their attempt count starts over)."""
    with warehouse() as conn, conn.transaction():
        reopened = gaps.reopen_given_up(conn, today_in(PARIS), building, meter_id)
    click.echo(f"{reopened} day(s) re-opened: the next run asks for them again")
