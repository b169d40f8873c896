"""`meters connect`, `meters disconnect` and `buildings erase` (the lead attaches them to their groups)."""

from __future__ import annotations

import contextlib
import webbrowser
from collections.abc import Iterator

import click

from linky_pipeline.commands.common import BadInputError, warehouse
from linky_pipeline.lib.consent.errors import ConsentError
from linky_pipeline.lib.consent.flow import connect_meters
from linky_pipeline.lib.consent.revoke import disconnect_meter
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.vault import Vault, VaultError
from linky_pipeline.lib.sources import catalog
from linky_pipeline.lib.sources.errors import SourceError
from linky_pipeline.lib.store import audit, erasure
from linky_pipeline.lib.store.db import database_url, to_psycopg_url

_VARIANTS = sorted({v for p in catalog.CONSENT_PROVIDERS for v in catalog.consent_variants(p)})


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """Typed consent/vault/erasure errors become one clear line, never a stack trace."""
    try:
        yield
    except erasure.UnknownBuildingError as exc:  # the user named something that does not exist: exit 2, like usage
        raise BadInputError(str(exc)) from None
    except (ConsentError, SourceError, VaultError, erasure.ErasureError, audit.AuditError) as exc:
        raise click.ClickException(str(exc)) from None


@click.command("connect")
@click.option("--building", required=True, help="Building the consented meters belong to.")
@click.option(
    "--provider", type=click.Choice(catalog.CONSENT_PROVIDERS), default=catalog.CONSENT_PROVIDERS[0], show_default=True
)
@click.option(
    "--api",
    type=click.Choice(_VARIANTS),
    default=None,
    help="Consent variant (default: the provider's first). "
    + "; ".join(f"{p}: {', '.join(catalog.consent_variants(p))}" for p in catalog.CONSENT_PROVIDERS)
    + ".",
)
@click.option("--meter", "meter_id", default=None, help="The meter consented for, when the redirect does not name it.")
@click.option("--duration", default=None, help="ISO-8601 consent duration (default and maximum: the provider's).")
@click.option(
    "--callback-port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port of the local redirect listener on 127.0.0.1 (0 = any free port).",
)
@click.option(
    "--callback-url",
    default=None,
    help="Paste the redirect URL instead of listening ('-' = print the consent URL, then read it).",
)
@click.option(
    "--sandbox-customer",
    type=click.IntRange(0, 9),
    default=None,
    help="Last digit of the state: selects the fake customer of the offline sandbox.",
)
@click.option("--no-browser", is_flag=True, help="Only print the consent URL.")
@click.option(
    "--timeout", "timeout_s", type=float, default=600.0, show_default=True, help="Seconds to wait for the redirect."
)
def connect(
    building: str,
    provider: str,
    api: str | None,
    meter_id: str | None,
    duration: str | None,
    callback_port: int,
    callback_url: str | None,
    sandbox_customer: int | None,
    no_browser: bool,
    timeout_s: float,
) -> None:
    """Ask the customer's consent and register the consented meters."""
    with _user_errors(), contextlib.ExitStack() as stack:
        signer = StateSigner.from_env()
        pasted = None if callback_url in (None, "-") else callback_url
        reader = (lambda: click.prompt("Paste the redirect URL")) if callback_url == "-" else None
        with warehouse() as conn:
            conninfo = to_psycopg_url(database_url())
            consent = catalog.consent_api(provider, building=building, conninfo=conninfo)
            stack.callback(consent.close)
            variant = api or consent.variants[0]
            vault = Vault.from_env() if consent.needs_vault(variant) else None
            meters = connect_meters(
                conn,
                consent,
                signer,
                building_code=building,
                actor=audit.cli_actor("meters connect"),
                api=variant,
                duration=duration,
                vault=vault,
                meter_id=meter_id,
                callback_port=callback_port,
                callback_url=pasted,
                read_callback_url=reader,
                sandbox_customer=sandbox_customer,
                announce=lambda url: click.echo(f"Open this URL to give consent ({provider}, {variant}):\n{url}"),
                open_browser=None if no_browser else webbrowser.open,
                timeout_s=timeout_s,
            )
    for m in meters:
        verb = "connected" if m.created else "re-consented"
        until = f"consent until {m.consent_end.date().isoformat()}" if m.consent_end else "consent until revoked"
        click.echo(f"{verb} {m.provider}/{m.meter_id} ({m.direction}) in {m.building_code}, {until}")


@click.command("disconnect")
@click.option("--building", required=True)
@click.option("--meter", "meter_id", required=True, help="PRM of the meter (every direction is disconnected).")
def disconnect(building: str, meter_id: str) -> None:
    """Withdraw consent: delete the meter's credentials and stop syncing it (its data stays)."""
    with _user_errors(), warehouse() as conn:
        revoked = disconnect_meter(conn, building, meter_id, audit.cli_actor("meters disconnect"))
    for m in revoked:
        click.echo(
            f"disconnected {m.provider}/{m.meter_id} ({m.direction}); {m.credentials_deleted} credential(s) deleted"
        )


@click.command("erase")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Confirm: every row of the building is deleted, irreversibly.")
def erase(code: str, yes: bool) -> None:
    """Delete a building and all its data (raw, readings, aggregates, anomalies, notifications, credentials)."""
    if not yes:
        raise click.UsageError(f"erasing building {code!r} deletes all its data irreversibly; add --yes")
    with _user_errors(), warehouse() as conn:
        deleted = erasure.erase_building(conn, code, audit.cli_actor("buildings erase"))
    click.echo(f"erased building {code}: {sum(deleted.values())} row(s)")
    for table, n in deleted.items():
        if n:
            click.echo(f"  {table}: {n}")
