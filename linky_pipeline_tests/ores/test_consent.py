"""`meters connect --provider ores` through the shared consent flow: a browser follows the sandbox's redirects, the
code is exchanged, the meter's directions probed, the tokens sealed per meter row (real HTTP, real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest

from linky_pipeline.lib.consent import credentials
from linky_pipeline.lib.consent.errors import ConsentConfigError, ReplayedStateError
from linky_pipeline.lib.consent.flow import complete_consent, connect_meters, start_consent
from linky_pipeline.lib.consent.revoke import handle_consent_lost
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.store import ConnectedMeter
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.identifiers import InvalidValueError
from linky_pipeline.lib.domain.registry import add_building
from linky_pipeline.lib.sources.errors import ConsentApiError
from linky_pipeline.lib.sources.ores.consent import OresConsent
from linky_pipeline.sandbox.ores import DEMO_EAN, SEED_PRM
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.support.ores import connect_ores, ores_settings
from linky_pipeline_tests.support.registry_rows import STATE_SECRET

REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def consent(server: SandboxServer) -> OresConsent:
    today = server.ores.settings.effective_today
    with OresConsent(ores_settings(server), today=lambda _now: today()) as api:
        yield api


def _redirect(consent: OresConsent, building: str, customer: int) -> str:
    """What the browser is sent to after the customer consents (the user may paste it)."""
    pending = start_consent(
        consent, StateSigner(STATE_SECRET), building, sandbox_customer=customer, redirect_uri=REDIRECT
    )
    query = parse_qs(urlsplit(pending.url).query)
    assert query["response_type"] == ["code"] and query["scope"] == ["consumption"]
    assert query["client_id"] == ["ores-sandbox-client"] and query["redirect_uri"] == [REDIRECT]
    assert pending.url.startswith(consent.settings.base_url + "/oauth/authorize?")
    answer = httpx.get(pending.url)
    assert answer.status_code == 302
    return answer.headers["location"]


def test_a_customer_with_solar_panels_gets_both_directions_and_sealed_tokens(
    db: psycopg.Connection, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter]
) -> None:
    assert sorted((m.meter_id, m.direction, m.created, m.consent_end) for m in liege) == [
        (DEMO_EAN, "consumption", True, None),
        (DEMO_EAN, "production", True, None),
    ]
    issued = set(server.ores.issued())
    for meter in liege:
        assert credentials.load(db, vault, meter.pk, "access_token") in issued
        assert credentials.load(db, vault, meter.pk, "refresh_token") in issued
    expiries = credentials.access_expiries(db, [m.pk for m in liege])
    assert all(3500 < (e - datetime.now(UTC)).total_seconds() <= 3600 for e in expiries.values())
    audit = db.execute("SELECT action, meter_ref, details FROM audit_log ORDER BY id").fetchall()
    assert [(a, m, d["provider"], d["api"]) for a, m, d in audit] == [
        ("meter_connected", DEMO_EAN, "ores", "oauth2"),
        ("meter_connected", DEMO_EAN, "ores", "oauth2"),
    ]
    assert not any(token in str(audit) for token in issued)
    statuses = db.execute("SELECT status, consent_end FROM meters ORDER BY direction").fetchall()
    assert statuses == [("active", None), ("active", None)]


def test_a_meter_without_solar_panels_is_consumption_only(
    db: psycopg.Connection, server: SandboxServer, vault: Vault
) -> None:
    add_building(db, "namur", "Namur", "Europe/Brussels")
    meters = connect_ores(db, server, "namur", SEED_PRM, 1, vault)
    assert [(m.meter_id, m.direction) for m in meters] == [(SEED_PRM, "consumption")]


def test_the_redirect_is_single_use_and_must_match_the_meter(
    db: psycopg.Connection, consent: OresConsent, vault: Vault
) -> None:
    add_building(db, "liege", "Liège", "Europe/Brussels")
    db.commit()
    signer = StateSigner(STATE_SECRET)
    kwargs = {"building_code": "liege", "actor": "test", "vault": vault}
    # customer 1 consented for the seed's prm, not for the demo EAN: the probe is refused, nothing is stored
    wrong = _redirect(consent, "liege", 1)
    with pytest.raises(ConsentApiError, match="answered HTTP 403"):
        complete_consent(db, consent, signer, redirect_url=wrong, meter_id=DEMO_EAN, **kwargs)
    assert db.execute("SELECT count(*) FROM meters").fetchone() == (0,)
    db.rollback()
    redirect = _redirect(consent, "liege", 1)
    done = complete_consent(db, consent, signer, redirect_url=redirect, meter_id=SEED_PRM, **kwargs)
    assert [m.meter_id for m in done] == [SEED_PRM]
    with pytest.raises(ReplayedStateError):
        complete_consent(db, consent, signer, redirect_url=redirect, meter_id=SEED_PRM, **kwargs)
    # a spent code cannot be exchanged again, even with a fresh state
    replayed_code = (
        _redirect(consent, "liege", 1).split("code=")[0] + "code=" + parse_qs(urlsplit(redirect).query)["code"][0]
    )
    fresh_state = parse_qs(urlsplit(_redirect(consent, "liege", 1)).query)["state"][0]
    with pytest.raises(ConsentApiError, match="refused the authorization code \\(invalid_grant\\)"):
        complete_consent(
            db, consent, signer, redirect_url=f"{replayed_code}&state={fresh_state}", meter_id=SEED_PRM, **kwargs
        )


def test_what_is_refused_before_anything_is_sent(
    db: psycopg.Connection, consent: OresConsent, vault: Vault, server: SandboxServer
) -> None:
    add_building(db, "liege", "Liège", "Europe/Brussels")
    db.commit()
    signer = StateSigner(STATE_SECRET)
    before = httpx.get(f"{server.ores_url}/sandbox/stats").json()["total"]
    common = {"building_code": "liege", "actor": "test", "callback_url": "http://127.0.0.1:9/callback?code=c&state=s"}
    with pytest.raises(ConsentConfigError, match="give the meter"):
        connect_meters(db, consent, signer, vault=vault, **common)
    with pytest.raises(ConsentConfigError, match="LINKY_ENCRYPTION_KEYS"):
        connect_meters(db, consent, signer, meter_id=SEED_PRM, **common)
    with pytest.raises(InvalidValueError, match="wrong GS1 check digit"):
        connect_meters(db, consent, signer, vault=vault, meter_id="541448030003312345", **common)
    with pytest.raises(ConsentConfigError, match="ores consents take no duration"):
        start_consent(consent, signer, "liege", duration="P1Y", redirect_uri=REDIRECT)
    with pytest.raises(ConsentConfigError, match="api 'v5' is not one of oauth2 for ores"):
        start_consent(consent, signer, "liege", api="v5", redirect_uri=REDIRECT)
    assert httpx.get(f"{server.ores_url}/sandbox/stats").json()["total"] == before


def test_a_lost_consent_can_be_given_again(
    db: psycopg.Connection, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter]
) -> None:
    for meter in liege:
        handle_consent_lost(db, meter.pk, "invalid_grant", "test")
    db.commit()
    assert db.execute("SELECT count(*) FROM meter_credentials").fetchone() == (0,)
    again = connect_ores(db, server, "liege", DEMO_EAN, 0, vault)
    assert {(m.direction, m.created) for m in again} == {("consumption", False), ("production", False)}
    assert db.execute("SELECT DISTINCT status FROM meters").fetchall() == [("active",)]
    assert db.execute("SELECT count(*) FROM meter_credentials").fetchone() == (4,)
