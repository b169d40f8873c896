"""The consent flow end to end, for any provider: URL → redirect → verified state → grants → meters of the building.

What differs between providers (the authorize URL, what the redirect carries, which calls turn it into grants and
secrets) is the provider's `ConsentApi` (lib/sources/consent.py); the state, the listener and the storage are here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from psycopg.pq import TransactionStatus

from linky_pipeline.lib.consent.callback import CallbackListener, parse_redirect, redirect_base
from linky_pipeline.lib.consent.contract import refresh_contracts
from linky_pipeline.lib.consent.duration import check_consent_duration
from linky_pipeline.lib.consent.errors import ConsentConfigError, ForgedStateError
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.store import ConnectedMeter, store_grants
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain import identifiers as ids
from linky_pipeline.lib.domain.registry import get_building
from linky_pipeline.lib.sources.consent import ConsentApi


@dataclass(frozen=True, slots=True)
class PendingConsent:
    """A consent URL handed to the customer, and what is needed to finish it."""

    building_code: str
    api: str
    duration: str | None
    state: str
    redirect_uri: str
    url: str


def _variant(consent: ConsentApi, api: str | None) -> str:
    chosen = api or consent.variants[0]
    if chosen not in consent.variants:
        raise ConsentConfigError(f"api {chosen!r} is not one of {', '.join(consent.variants)} for {consent.provider}")
    return chosen


def _duration(consent: ConsentApi, duration: str | None, now: datetime) -> tuple[str | None, datetime | None]:
    """(duration sent, consent end): checked against the provider's maximum before anything is sent."""
    if consent.max_duration is None:
        if duration is not None:
            raise ConsentConfigError(f"{consent.provider} consents take no duration: drop --duration {duration}")
        return None, None
    text = duration or consent.max_duration
    return text, check_consent_duration(text, now, consent.max_duration).after(now)


def _check_needs(consent: ConsentApi, api: str, vault: Vault | None, meter_id: str | None) -> None:
    if consent.needs_vault(api) and vault is None:
        raise ConsentConfigError(
            f"{consent.provider} {api} consents store credentials encrypted: LINKY_ENCRYPTION_KEYS is needed"
        )
    if consent.needs_meter_id(api):
        if not meter_id:
            raise ConsentConfigError(
                f"{consent.provider}: give the meter (--meter): the consent redirect does not say which one"
            )
        ids.meter_id(consent.provider, meter_id)


def start_consent(
    consent: ConsentApi,
    signer: StateSigner,
    building_code: str,
    *,
    api: str | None = None,
    duration: str | None = None,
    redirect_uri: str,
    sandbox_customer: int | None = None,
    now: datetime | None = None,
) -> PendingConsent:
    """Check the duration before anything is sent, sign a state, build the authorize URL."""
    current = now or datetime.now(UTC)
    variant = _variant(consent, api)
    text, _ = _duration(consent, duration, current)
    state = signer.issue(building_code, consent.provider, digit=sandbox_customer, now=current)
    url = consent.authorize_url(variant, state=state, duration=text, redirect_uri=redirect_uri)
    return PendingConsent(building_code, variant, text, state, redirect_uri, url)


def complete_consent(
    conn: psycopg.Connection,
    consent: ConsentApi,
    signer: StateSigner,
    *,
    building_code: str,
    redirect_url: str,
    actor: str,
    api: str | None = None,
    duration: str | None = None,
    vault: Vault | None = None,
    meter_id: str | None = None,
    expected_state: str | None = None,
    now: datetime | None = None,
) -> list[ConnectedMeter]:
    """Verify the redirect (errors, state), let the provider turn it into grants, store them as meters.

    `conn` must have no open transaction: the state's nonce is committed as soon as it is verified (a replay
    stays refused even if a later step fails), then the meters and their secrets are stored in one transaction.
    """
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise ConsentConfigError(
            "complete_consent needs a connection without an open transaction "
            "(commit or roll back first): the state's single use must be durable"
        )
    variant = _variant(consent, api)
    _check_needs(consent, variant, vault, meter_id)
    current = now or datetime.now(UTC)
    _, end = _duration(consent, duration, current)
    result = parse_redirect(redirect_url, consent.redirect_params(variant))
    if expected_state is not None and result.state != expected_state:
        raise ForgedStateError(f"state {result.state!r} is not the one this command issued")
    signer.verify(conn, result.state, building_code, consent.provider, now=current)
    outcome = consent.complete(
        variant,
        result.params,
        redirect_uri=consent.redirect_uri or redirect_base(redirect_url),
        duration_end=end,
        now=current,
        meter_id=meter_id,
    )
    connected = store_grants(
        conn,
        building_code,
        consent.provider,
        outcome.grants,
        api=variant,
        actor=actor,
        vault=vault,
        secrets=outcome.secrets,
        expires_at=outcome.expires_at,
    )
    with conn.transaction():  # activation date and subscribed power; a failing contract API never undoes the consent
        refresh_contracts(conn, consent, [(m.pk, m.meter_id, m.direction) for m in connected], current)
    return connected


def connect_meters(
    conn: psycopg.Connection,
    consent: ConsentApi,
    signer: StateSigner,
    *,
    building_code: str,
    actor: str,
    api: str | None = None,
    duration: str | None = None,
    vault: Vault | None = None,
    meter_id: str | None = None,
    callback_port: int = 0,
    callback_url: str | None = None,
    read_callback_url: Callable[[], str] | None = None,
    sandbox_customer: int | None = None,
    announce: Callable[[str], object] = print,
    open_browser: Callable[[str], object] | None = None,
    timeout_s: float = 600.0,
) -> list[ConnectedMeter]:
    """What `meters connect` does (owns `conn`'s transactions: commits as it goes; the caller closes `consent`).

    - `callback_url`: finish a consent whose redirect URL the user already has (state checked as usual);
    - `read_callback_url`: print the URL, then read the pasted redirect URL;
    - otherwise: listen on 127.0.0.1:`callback_port` (0 = free) for the redirect.
    """
    get_building(conn, building_code)
    conn.commit()  # end the read-only transaction: this function owns the connection's transactions
    variant = _variant(consent, api)
    _check_needs(consent, variant, vault, meter_id)

    def finish(redirect_url: str, expected: str | None) -> list[ConnectedMeter]:
        return complete_consent(
            conn,
            consent,
            signer,
            building_code=building_code,
            redirect_url=redirect_url,
            actor=actor,
            api=variant,
            duration=duration,
            vault=vault,
            meter_id=meter_id,
            expected_state=expected,
        )

    def begin(redirect_uri: str, listener: CallbackListener | None = None) -> PendingConsent:
        pending = start_consent(
            consent,
            signer,
            building_code,
            api=variant,
            duration=duration,
            redirect_uri=redirect_uri,
            sandbox_customer=sandbox_customer,
        )
        if listener is not None:  # only the redirect carrying this state ends the wait
            listener.expect_state(pending.state)
        announce(pending.url)
        if open_browser is not None:
            open_browser(pending.url)
        return pending

    if callback_url is not None:
        return finish(callback_url, None)
    if read_callback_url is not None:
        pending = begin(consent.redirect_uri or f"http://127.0.0.1:{callback_port or 8080}/callback")
        return finish(read_callback_url().strip(), pending.state)
    with CallbackListener(port=callback_port) as listener:
        pending = begin(consent.redirect_uri or listener.url, listener)
        redirect_url = listener.wait(timeout_s)
    return finish(redirect_url, pending.state)
