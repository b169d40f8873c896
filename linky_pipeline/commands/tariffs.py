"""`linky-pipeline tariffs add|list|remove` and `tariffs tempo load|fetch`: prices as data, checked on the way in."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import click
import httpx

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib.domain import identifiers as ids
from linky_pipeline.lib.tables import tariff_store
from linky_pipeline.lib.tariffs.models import Tariff
from linky_pipeline.lib.tariffs.rte_tempo import RteTempoClient, TempoApiError
from linky_pipeline.lib.tariffs.tempo_calendar import parse_tempo_file
from linky_pipeline.lib.tariffs.validate import TariffError, build_tariff


def _prices(pairs: tuple[str, ...]) -> dict[str, str]:
    prices: dict[str, str] = {}
    for pair in pairs:
        period, sep, value = pair.partition("=")
        if not sep or not period.strip():
            raise TariffError("price", pair, "expected PERIOD=PRICE such as HP=0.2700 or BLUE_HC='12.96 c€/kWh'")
        if period.strip().upper() in prices:
            raise TariffError("price", pair, f"period {period.strip().upper()} given twice")
        prices[period.strip().upper()] = value
    return prices


def describe(t: Tariff) -> str:
    until = t.valid_to.isoformat() if t.valid_to else "…"
    prices = " ".join(f"{p}={v}" for p, v in t.prices.items())
    hours = " ".join(str(r) for r in t.offpeak)
    kva = f"\t{t.subscribed_kva} kVA" if t.subscribed_kva else "\t-"
    meter = f"meter {t.meter_pk}" if t.meter_pk is not None else "all meters"
    return (
        f"{t.id}\t{t.building_code}\t{meter}\t{t.name}\t{t.kind}\t{t.valid_from.isoformat()}..{until}\t"
        f"{t.subscription_eur_month} €/month{kva}\t{prices}\t{hours or '-'}"
    )


@click.group()
def tariffs() -> None:
    """Tariffs per building or meter (BASE, HP/HC, Tempo) and the Tempo calendar: what the cost tables price."""


@tariffs.command("add")
@click.option("--building", required=True, help="Building code.")
@click.option("--meter", "meter_id", default=None, help="Only this consumption meter (PRM/EAN); default: all.")
@click.option("--name", required=True, help="Label, e.g. 'EDF HP/HC 9 kVA'.")
@click.option("--kind", required=True, help="base, hphc or tempo.")
@click.option("--from", "valid_from", required=True, help="First local day priced (YYYY-MM-DD).")
@click.option("--to", "valid_to", default=None, help="First local day NOT priced (YYYY-MM-DD); default: open-ended.")
@click.option("--subscription", required=True, help="€ per month ('15.65', '15.65 €/month' or '187.80 €/year').")
@click.option("--price", "prices", multiple=True, required=True, help="PERIOD=PRICE (€/kWh, c€/kWh…); repeat.")
@click.option("--offpeak", multiple=True, help="Off-peak range HH:MM-HH:MM, any minute; repeat (Tempo: 22:00-06:00).")
@click.option("--subscribed-kva", default=None, help="Subscribed power (kVA) of this contract.")
@click.option("--allow-gap", is_flag=True, help="Accept days without any tariff between two tariffs.")
def tariffs_add(
    building: str,
    meter_id: str | None,
    name: str,
    kind: str,
    valid_from: str,
    valid_to: str | None,
    subscription: str,
    prices: tuple[str, ...],
    offpeak: tuple[str, ...],
    subscribed_kva: str | None,
    allow_gap: bool,
) -> None:
    """Add a tariff (nothing is written if any value is refused)."""
    with warehouse() as conn:
        meter_pk = tariff_store.meter_pk_for(conn, building, meter_id) if meter_id else None
        tariff = build_tariff(
            building_code=building,
            name=name,
            kind=kind,
            valid_from=ids.iso_date("valid from", valid_from),
            valid_to=ids.iso_date("valid to", valid_to) if valid_to else None,
            subscription=subscription,
            prices=_prices(prices),
            offpeak=offpeak,
            meter_pk=meter_pk,
            subscribed_kva=subscribed_kva,
        )
        tariff_id = tariff_store.add_tariff(conn, tariff, allow_gap=allow_gap)
        (stored,) = [t for t in tariff_store.list_tariffs(conn, building) if t.id == tariff_id]
    click.echo(f"added tariff {describe(stored)}")
    click.echo("rebuild daily_cost/monthly_cost of the months it covers to price them (the nightly run does it).")


@tariffs.command("list")
@click.option("--building", default=None, help="Only this building's tariffs.")
def tariffs_list(building: str | None) -> None:
    """List tariffs (tab-separated: id, building, scope, name, kind, validity, subscription, kVA, prices, HC)."""
    with warehouse() as conn:
        for tariff in tariff_store.list_tariffs(conn, building):
            click.echo(describe(tariff))


@tariffs.command("remove")
@click.argument("tariff_id", metavar="ID", type=int)
@click.option("--allow-gap", is_flag=True, help="Accept that its days are left without a tariff.")
def tariffs_remove(tariff_id: int, allow_gap: bool) -> None:
    """Remove a tariff by id."""
    with warehouse() as conn:
        gone = tariff_store.remove_tariff(conn, tariff_id, allow_gap=allow_gap)
    click.echo(f"removed tariff {tariff_id} ({gone.building_code}, {gone.name})")


@tariffs.group("tempo")
def tempo() -> None:
    """Tempo day colours (a day runs 06:00 → 06:00): unknown days are priced `partial`, never guessed."""


@tempo.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def tempo_load(path: Path) -> None:
    """Load colours from a CSV (`date;couleur`, BLEU/BLANC/ROUGE or BLUE/WHITE/RED) or RTE's JSON calendar."""
    with warehouse() as conn:
        colours = parse_tempo_file(path.name, path.read_text(encoding="utf-8"))
        changed = tariff_store.store_tempo_days(conn, colours, f"file:{path.name}")
    days = sorted(colours)
    span = f"{days[0].isoformat()}..{days[-1].isoformat()}" if days else "no day"
    click.echo(f"tempo: {len(colours)} day(s) read ({span}), {changed} new or changed")


@tempo.command("fetch")
@click.option("--from", "first", required=True, help="First local day (YYYY-MM-DD).")
@click.option("--to", "last", required=True, help="Last local day, included (YYYY-MM-DD).")
def tempo_fetch(first: str, last: str) -> None:
    """Load colours from RTE's Tempo API (LINKY_RTE_API_BASE, LINKY_RTE_CLIENT_ID, LINKY_RTE_CLIENT_SECRET; the
    sandbox emulates it: `LINKY_RTE_API_BASE=<sandbox url>` with the sandbox credentials)."""
    settings = {
        name: os.environ.get(name, "")
        for name in ("LINKY_RTE_API_BASE", "LINKY_RTE_CLIENT_ID", "LINKY_RTE_CLIENT_SECRET")
    }
    missing = [name for name, value in settings.items() if not value]
    if missing:
        raise click.UsageError(f"set {', '.join(missing)} to fetch Tempo colours (or use `tariffs tempo load FILE`)")
    with warehouse() as conn:
        start, end = ids.iso_date("from", first), ids.iso_date("to", last) + timedelta(days=1)
        client = RteTempoClient(*settings.values())
        try:
            colours = client.colours(start, end)
        except (TempoApiError, httpx.HTTPError) as exc:
            raise click.ClickException(f"Tempo API: {type(exc).__name__}: {exc}") from None
        finally:
            client.close()
        changed = tariff_store.store_tempo_days(conn, colours, "rte-api")
    click.echo(f"tempo: {len(colours)} day(s) known from the API, {changed} new or changed")
