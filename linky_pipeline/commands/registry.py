"""`linky-pipeline buildings …` and `linky-pipeline meters …`."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib.consent.contract import meter_details, refresh_contracts
from linky_pipeline.lib.consent.credentials import access_expiries
from linky_pipeline.lib.domain import identifiers as ids
from linky_pipeline.lib.domain import registry
from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.sources import catalog
from linky_pipeline.lib.sources.errors import SourceConfigError
from linky_pipeline.lib.store.db import database_url, to_psycopg_url


@click.group()
def buildings() -> None:
    """Buildings: each one is a Dagster partition."""


@buildings.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Human name, used in e-mails and dashboards.")
@click.option("--timezone", default="Europe/Paris", show_default=True, help="Europe/Paris or Europe/Brussels.")
def buildings_add(code: str, name: str, timezone: str) -> None:
    """Register a building."""
    with warehouse() as conn:
        building = registry.add_building(conn, code, name, timezone)
    click.echo(f"added building {building.code} ({building.name}, {building.timezone})")


@buildings.command("list")
def buildings_list() -> None:
    """List buildings."""
    with warehouse() as conn:
        for b in registry.list_buildings(conn):
            click.echo(f"{b.code}\t{b.name}\t{b.timezone}")


@buildings.command("remove")
@click.argument("code")
def buildings_remove(code: str) -> None:
    """Remove a building that has no meters."""
    with warehouse() as conn:
        registry.remove_building(conn, code)
    click.echo(f"removed building {code}")


@click.group()
def meters() -> None:
    """Meters (PRM / EAN) attached to buildings."""


@meters.command("add")
@click.option("--building", required=True)
@click.option("--provider", default=ids.PROVIDERS[0], show_default=True, help=f"One of {', '.join(ids.PROVIDERS)}.")
@click.option(
    "--meter",
    "meter_id",
    required=True,
    help="; ".join(f"{p}: {' or '.join(forms)}" for p, forms in ids.ID_FORMS.items()) + " (PRM 14, EAN 18 digits).",
)
@click.option("--direction", default="consumption", show_default=True, help="consumption or production.")
@click.option("--activation-date", default=None, help="YYYY-MM-DD; nothing earlier is requested.")
def meters_add(building: str, provider: str, meter_id: str, direction: str, activation_date: str | None) -> None:
    """Attach a meter to a building."""
    with warehouse() as conn:
        activation = ids.iso_date("activation date", activation_date) if activation_date else None
        meter = registry.add_meter(conn, building, provider, meter_id, direction, activation)
    click.echo(f"added meter {meter.provider}/{meter.meter_id} ({meter.direction}) to {meter.building_code}")


LIST_COLUMNS = (
    "building",
    "provider",
    "meter",
    "direction",
    "status",
    "activation",
    "kva",
    "consent",
    "consent_end",
    "measures",
    "token_expiry",
)


@meters.command("list")
@click.option("--building", default=None)
def meters_list(building: str | None) -> None:
    """List meters with their activation date, subscribed power, consent (status, end, measure types) and the
    expiry of their access token (UTC) where the provider gives each meter its own tokens."""
    with warehouse() as conn:
        if building:
            registry.get_building(conn, building)
        found = registry.list_meters(conn, building)
        details = meter_details(conn, building)
        expiries = access_expiries(conn, [m.pk for m in found])
    click.echo("\t".join(LIST_COLUMNS))
    for m in found:
        d = details.get(m.pk)
        expiry = expiries.get(m.pk)
        token = (
            "-"
            if m.pk not in expiries
            else (expiry.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ") if expiry else "no expiry")
        )
        cells = [
            m.building_code,
            m.provider,
            m.meter_id,
            m.direction,
            m.status,
            m.activation_date.isoformat() if m.activation_date else "-",
            f"{d.subscribed_kva.normalize():f}" if d and d.subscribed_kva is not None else "-",
            (d.consent_status or "-") if d else "-",
            d.consent_end.astimezone(PARIS).date().isoformat() if d and d.consent_end else "-",
            ",".join(d.consented_measures) if d and d.consented_measures else "-",
            token,
        ]
        click.echo("\t".join(cells))


@meters.command("contract")
@click.option("--building", default=None, help="Only this building's meters (default: every active meter).")
def meters_contract(building: str | None) -> None:
    """Read each meter's contract (last activation date, subscribed kVA) into the registry, for the providers that
    have a contract API."""
    with warehouse() as conn:
        if building:
            registry.get_building(conn, building)
        active = registry.list_meters(conn, building, active_only=True)
        conninfo = to_psycopg_url(database_url())
        done = []
        for provider in sorted({m.provider for m in active} & set(catalog.CONSENT_PROVIDERS)):
            targets = [(m.pk, m.meter_id, m.direction) for m in active if m.provider == provider]
            try:
                consent = catalog.consent_api(provider, building=building or "", conninfo=conninfo)
            except SourceConfigError as exc:
                raise click.UsageError(str(exc)) from None
            try:
                with conn.transaction():
                    done += refresh_contracts(conn, consent, targets, datetime.now(UTC))
            finally:
                consent.close()
    for r in done:
        if r.error:
            click.echo(f"{r.meter_id}\tnot read: {r.error}")
            continue
        activation = ", ".join(f"{k} since {v.isoformat()}" for k, v in sorted(r.activation.items())) or "-"
        kva = f"{r.subscribed_kva:g} kVA" if r.subscribed_kva is not None else "- kVA"
        notes = f"\t({'; '.join(r.problems)})" if r.problems else ""
        click.echo(f"{r.meter_id}\t{activation}\t{kva}{notes}")
    if not done:
        click.echo("no active meter with a contract API")


@meters.command("disable")
@click.option("--meter", "meter_id", required=True)
@click.option("--direction", default=None)
def meters_disable(meter_id: str, direction: str | None) -> None:
    """Stop syncing a meter (its data stays)."""
    with warehouse() as conn:
        for m in registry.disable_meter(conn, meter_id, direction):
            click.echo(f"disabled {m.provider}/{m.meter_id} ({m.direction})")
