"""The consent flow end to end: URL → redirect → verified state → grants → meters of the building."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from psycopg.pq import TransactionStatus

from linky_pipeline.lib.consent.callback import CallbackListener, parse_redirect
from linky_pipeline.lib.consent.contract import refresh_contracts
from linky_pipeline.lib.consent.duration import check_consent_duration
from linky_pipeline.lib.consent.errors import ConsentConfigError, ForgedStateError
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.store import ConnectedMeter, store_grants
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.domain.registry import get_building
from linky_pipeline.lib.sources.enedis import consent_api as enedis
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.quotas import QuotaBook
from linky_pipeline.lib.sources.ratelimit import RateLimiter

PROVIDER = "enedis"


@dataclass(frozen=True, slots=True)
class PendingConsent:
    """A consent URL handed to the customer, and what is needed to finish it."""

    building_code: str
    api: str
    duration: str
    state: str
    redirect_uri: str
    url: str


def start_consent(
    config: enedis.EnedisConsentConfig,
    signer: StateSigner,
    building_code: str,
    *,
    api: str = "2026",
    duration: str = "P3Y",
    redirect_uri: str,
    sandbox_customer: int | None = None,
    now: datetime | None = None,
) -> PendingConsent:
    """Check the duration (≤ P3Y) before anything is sent, sign a state, build the authorize URL."""
    current = now or datetime.now(UTC)
    check_consent_duration(duration, current)
    state = signer.issue(building_code, PROVIDER, digit=sandbox_customer, now=current)
    url = enedis.consent_url(config, api, state=state, duration=duration, redirect_uri=redirect_uri)
    return PendingConsent(building_code, api, duration, state, redirect_uri, url)


def complete_consent(
    conn: psycopg.Connection,
    client: EnedisClient,
    signer: StateSigner,
    *,
    building_code: str,
    api: str,
    duration: str,
    redirect_url: str,
    actor: str,
    vault: Vault | None = None,
    expected_state: str | None = None,
    now: datetime | None = None,
) -> list[ConnectedMeter]:
    """Verify the redirect (errors, state), resolve the PRMs and store them as meters of the building.

    `conn` must have no open transaction: the state's nonce is committed as soon as it is verified (a replay
    stays refused even if a later step fails), then the meters are stored in one transaction.
    """
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise ConsentConfigError(
            "complete_consent needs a connection without an open transaction "
            "(commit or roll back first): the state's single use must be durable"
        )
    if api == "2026" and vault is None:
        raise ConsentConfigError("the 2026 API stores the autorisation_id encrypted: LINKY_ENCRYPTION_KEYS is needed")
    current = now or datetime.now(UTC)
    parsed_duration = check_consent_duration(duration, current)
    result = parse_redirect(redirect_url, api)
    if expected_state is not None and result.state != expected_state:
        raise ForgedStateError(f"state {result.state!r} is not the one this command issued")
    signer.verify(conn, result.state, building_code, PROVIDER, now=current)
    if api == "v5":
        today = current.astimezone(PARIS).date()
        end = parsed_duration.after(current)
        grants = [
            enedis.Grant(prm, direction, current, end)
            for prm in result.usage_point_ids
            for direction in enedis.probe_directions(client, prm, today)
        ]
        return store_grants(conn, building_code, PROVIDER, grants, api=api, actor=actor)
    assert result.autorisation_id is not None
    grants = enedis.subscribed_services(client, result.autorisation_id)
    connected = store_grants(
        conn, building_code, PROVIDER, grants, api=api, actor=actor, vault=vault, autorisation_id=result.autorisation_id
    )
    with conn.transaction():  # activation date and subscribed power; a failing contract API never undoes the consent
        refresh_contracts(conn, client, [(m.pk, m.meter_id, m.direction) for m in connected], current)
    return connected


def connect_meters(
    conn: psycopg.Connection,
    config: enedis.EnedisConsentConfig,
    signer: StateSigner,
    *,
    building_code: str,
    actor: str,
    api: str = "2026",
    duration: str = "P3Y",
    vault: Vault | None = None,
    callback_port: int = 0,
    callback_url: str | None = None,
    read_callback_url: Callable[[], str] | None = None,
    sandbox_customer: int | None = None,
    announce: Callable[[str], object] = print,
    open_browser: Callable[[str], object] | None = None,
    timeout_s: float = 600.0,
    limiter: RateLimiter | QuotaBook | None = None,
    client: EnedisClient | None = None,
) -> list[ConnectedMeter]:
    """What `meters connect` does (owns `conn`'s transactions: commits as it goes).

    - `callback_url`: finish a consent whose redirect URL the user already has (state checked as usual);
    - `read_callback_url`: print the URL, then read the pasted redirect URL;
    - otherwise: listen on 127.0.0.1:`callback_port` (0 = free) for the redirect.
    """
    get_building(conn, building_code)
    conn.commit()  # end the read-only transaction: this function owns the connection's transactions
    if api == "2026" and vault is None:
        raise ConsentConfigError("the 2026 API stores the autorisation_id encrypted: LINKY_ENCRYPTION_KEYS is needed")
    api_client = client or enedis.consent_client(config, limiter)
    try:

        def finish(redirect_url: str, expected: str | None) -> list[ConnectedMeter]:
            return complete_consent(
                conn,
                api_client,
                signer,
                building_code=building_code,
                api=api,
                duration=duration,
                redirect_url=redirect_url,
                actor=actor,
                vault=vault,
                expected_state=expected,
            )

        if callback_url is not None:
            return finish(callback_url, None)
        if read_callback_url is not None:
            redirect_uri = config.redirect_uri or f"http://127.0.0.1:{callback_port or 8080}/callback"
            pending = start_consent(
                config,
                signer,
                building_code,
                api=api,
                duration=duration,
                redirect_uri=redirect_uri,
                sandbox_customer=sandbox_customer,
            )
            announce(pending.url)
            if open_browser is not None:
                open_browser(pending.url)
            return finish(read_callback_url().strip(), pending.state)
        with CallbackListener(port=callback_port) as listener:
            pending = start_consent(
                config,
                signer,
                building_code,
                api=api,
                duration=duration,
                redirect_uri=config.redirect_uri or listener.url,
                sandbox_customer=sandbox_customer,
            )
            listener.expect_state(pending.state)
            announce(pending.url)
            if open_browser is not None:
                open_browser(pending.url)
            redirect_url = listener.wait(timeout_s)
        return finish(redirect_url, pending.state)
    finally:
        if client is None:
            api_client.close()
