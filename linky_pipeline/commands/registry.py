"""`linky-pipeline buildings …` and `linky-pipeline meters …`."""

from __future__ import annotations

from datetime import UTC

import click

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib.consent.credentials import access_expiries
from linky_pipeline.lib.domain import identifiers as ids
from linky_pipeline.lib.domain import registry


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


@meters.command("list")
@click.option("--building", default=None)
def meters_list(building: str | None) -> None:
    """List meters: building, provider, meter, direction, status, activation date, access-token expiry (UTC)."""
    with warehouse() as conn:
        if building:
            registry.get_building(conn, building)
        meters = registry.list_meters(conn, building)
        expiries = access_expiries(conn, [m.pk for m in meters])
    for m in meters:
        activation = m.activation_date.isoformat() if m.activation_date else "-"
        expiry = expiries.get(m.pk)
        token = (
            "-"
            if m.pk not in expiries
            else (expiry.astimezone(UTC).strftime("token until %Y-%m-%dT%H:%MZ") if expiry else "token without expiry")
        )
        click.echo(f"{m.building_code}\t{m.provider}\t{m.meter_id}\t{m.direction}\t{m.status}\t{activation}\t{token}")


@meters.command("disable")
@click.option("--meter", "meter_id", required=True)
@click.option("--direction", default=None)
def meters_disable(meter_id: str, direction: str | None) -> None:
    """Stop syncing a meter (its data stays)."""
    with warehouse() as conn:
        for m in registry.disable_meter(conn, meter_id, direction):
            click.echo(f"disabled {m.provider}/{m.meter_id} ({m.direction})")
