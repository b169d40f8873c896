"""The whole consent flow against the sandbox over real HTTP, a browser following the redirects."""

from __future__ import annotations

import subprocess
import sys
import warnings
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
from authlib.deprecate import AuthlibDeprecationWarning

from linky_pipeline.lib.consent import credentials
from linky_pipeline.lib.consent.errors import (
    ConsentRefusedError,
    ExpiredStateError,
    ForgedStateError,
    InvalidDurationError,
    MeterConflictError,
    ReplayedStateError,
)
from linky_pipeline.lib.consent.flow import complete_consent, connect_meters, start_consent
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.store import ConnectedMeter
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.sources.enedis.consent import EnedisConsent
from linky_pipeline.lib.sources.enedis.consent_api import EnedisConsentConfig
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.support.registry_rows import add_building


class Browser:
    """Opens the consent URL and follows every redirect, as a browser would."""

    def __init__(self) -> None:
        self.pages: list[httpx.Response] = []

    def __call__(self, url: str) -> None:
        self.pages.append(httpx.get(url, follow_redirects=True, timeout=10))

    @property
    def landed(self) -> httpx.Response:
        return self.pages[-1]


def _meter_rows(conn: psycopg.Connection, building: str) -> list[tuple[str, str, str]]:
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT meter_id, direction, status FROM meters WHERE building_code = %s ORDER BY 1, 2", (building,)
        )
    ]


def _connect(
    conn: psycopg.Connection,
    config: EnedisConsentConfig,
    signer: StateSigner,
    customer: int,
    browser: Browser,
    api: str = "v5",
    vault: Vault | None = None,
    building: str = "alpha",
) -> list[ConnectedMeter]:
    announced: list[str] = []
    with EnedisConsent(config) as consent:
        meters = connect_meters(
            conn,
            consent,
            signer,
            building_code=building,
            actor="test:consent",
            api=api,
            vault=vault,
            sandbox_customer=customer,
            announce=announced.append,
            open_browser=browser,
            timeout_s=10,
        )
    assert len(announced) == 1 and browser.pages
    return meters


@pytest.fixture
def alpha(db: psycopg.Connection) -> psycopg.Connection:
    add_building(db, "alpha")
    add_building(db, "beta")
    db.commit()
    return db


def test_v5_multi_prm_customer_3(alpha: psycopg.Connection, config: EnedisConsentConfig, signer: StateSigner) -> None:
    browser = Browser()
    before = datetime.now(UTC)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        meters = _connect(alpha, config, signer, 3, browser)
    assert not [w for w in caught if issubclass(w.category, AuthlibDeprecationWarning)]
    assert not [w for w in caught if issubclass(w.category, DeprecationWarning) and "authlib" in str(w.filename)]
    # the browser went through the sandbox's 302 and landed on our listener's page
    assert browser.landed.status_code == 200 and "Consent received" in browser.landed.text
    assert browser.landed.history[0].status_code == 302
    query = parse_qs(urlsplit(str(browser.pages[0].history[0].request.url)).query)
    assert query["client_id"] == ["sandbox-client"] and query["response_type"] == ["code"]
    assert query["duration"] == ["P3Y"] and query["state"][0][-1] == "3"
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
    assert {(m.meter_id, m.direction, m.created) for m in meters} == {
        ("12345678901234", "consumption", True),
        ("10284856584123", "production", True),
    }
    assert _meter_rows(alpha, "alpha") == [
        ("10284856584123", "production", "active"),
        ("12345678901234", "consumption", "active"),
    ]
    start, end = alpha.execute("SELECT min(consent_start), max(consent_end) FROM meters").fetchone()
    assert before <= start <= datetime.now(UTC)
    assert end.astimezone(UTC).year == start.astimezone(UTC).year + 3
    assert alpha.execute("SELECT count(*) FROM meter_credentials").fetchone()[0] == 0
    audit = alpha.execute("SELECT action, building_code, meter_ref, actor FROM audit_log ORDER BY meter_ref")
    assert [tuple(r) for r in audit] == [
        ("meter_connected", "alpha", "10284856584123", "test:consent"),
        ("meter_connected", "alpha", "12345678901234", "test:consent"),
    ]
    assert alpha.execute("SELECT count(*) FROM oauth_states").fetchone()[0] == 1
    # reconnecting updates the same rows: no duplicates
    again = _connect(alpha, config, signer, 3, Browser())
    assert {m.created for m in again} == {False}
    assert len(_meter_rows(alpha, "alpha")) == 2
    # the same meters cannot be claimed by another building
    with pytest.raises(MeterConflictError, match="already belongs to building 'alpha'"):
        _connect(alpha, config, signer, 3, Browser(), building="beta")
    alpha.rollback()
    assert _meter_rows(alpha, "beta") == []


def test_v5_customer_7_three_prms_and_intervals(
    alpha: psycopg.Connection, config: EnedisConsentConfig, signer: StateSigner
) -> None:
    meters = _connect(alpha, config, signer, 7, Browser())
    assert sorted((m.meter_id, m.direction) for m in meters) == [
        ("22315546958763", "consumption"),
        ("63695879465986", "consumption"),
        ("64975835695673", "consumption"),
    ]


@pytest.mark.parametrize(
    ("customer", "expected"),
    [
        (5, [("24880057139941", "production", "active")]),
        (6, [("12655648759651", "consumption", "active"), ("12655648759651", "production", "active")]),
    ],
)
def test_v5_direction_probe(
    alpha: psycopg.Connection,
    config: EnedisConsentConfig,
    signer: StateSigner,
    customer: int,
    expected: list[tuple[str, str, str]],
) -> None:
    _connect(alpha, config, signer, customer, Browser())
    assert _meter_rows(alpha, "alpha") == expected


def test_2026_self_consumption_customer_6(
    alpha: psycopg.Connection, config: EnedisConsentConfig, signer: StateSigner, vault: Vault
) -> None:
    browser = Browser()
    meters = _connect(alpha, config, signer, 6, browser, api="2026", vault=vault)
    assert "/dataconnect/v2/oauth2/authorize" in str(browser.pages[0].history[0].request.url)
    autorisation_id = parse_qs(urlsplit(str(browser.landed.url)).query)["autorisation_id"][0]
    assert sorted((m.meter_id, m.direction) for m in meters) == [
        ("12655648759651", "consumption"),
        ("12655648759651", "production"),
    ]
    today = datetime.now(UTC).astimezone(PARIS).date()
    for m in meters:
        assert m.consent_start.astimezone(PARIS).date() == today
        assert m.consent_end.astimezone(PARIS).date() == today.replace(year=today.year + 3)
        assert credentials.load(alpha, vault, m.pk, "autorisation_id") == autorisation_id
    raw = [bytes(r[0]) for r in alpha.execute("SELECT ciphertext FROM meter_credentials")]
    assert len(raw) == 2 and all(autorisation_id.encode() not in r for r in raw)
    details = [r[0] for r in alpha.execute("SELECT details FROM audit_log")]
    assert all(d["api"] == "2026" and autorisation_id not in str(d) for d in details)


def test_forged_state_in_the_redirect_stores_nothing(
    alpha: psycopg.Connection, consent: EnedisConsent, signer: StateSigner
) -> None:
    # an attacker swaps the last digit: the sandbox picks another customer, the MAC no longer matches
    pending = start_consent(
        consent, signer, "alpha", api="v5", sandbox_customer=1, redirect_uri="http://127.0.0.1:9/cb"
    )
    forged = pending.state[:-1] + "2"
    redirect = httpx.get(pending.url.replace(pending.state, forged)).headers["location"]
    with pytest.raises(ForgedStateError):
        complete_consent(
            alpha,
            consent,
            signer,
            building_code="alpha",
            api="v5",
            duration="P3Y",
            redirect_url=redirect,
            actor="test",
        )
    assert _meter_rows(alpha, "alpha") == []
    assert alpha.execute("SELECT count(*) FROM oauth_states").fetchone()[0] == 0


def _redirect_for(
    consent: EnedisConsent, signer: StateSigner, customer: int, api: str = "v5", duration: str = "P3Y"
) -> str:
    pending = start_consent(
        consent, signer, "alpha", api=api, sandbox_customer=customer, redirect_uri="http://127.0.0.1:9/callback"
    )
    url = pending.url.replace("duration=P3Y", f"duration={duration}")
    response = httpx.get(url)
    assert response.status_code == 302
    return response.headers["location"]


def test_replayed_and_expired_redirects(alpha: psycopg.Connection, consent: EnedisConsent, signer: StateSigner) -> None:
    redirect = _redirect_for(consent, signer, 0)
    kwargs = {"building_code": "alpha", "api": "v5", "duration": "P3Y", "actor": "test"}
    done = complete_consent(alpha, consent, signer, redirect_url=redirect, **kwargs)
    assert [m.meter_id for m in done] == ["22516914714270"]
    with pytest.raises(ReplayedStateError):
        complete_consent(alpha, consent, signer, redirect_url=redirect, **kwargs)
    late = _redirect_for(consent, signer, 2)
    with pytest.raises(ExpiredStateError):
        complete_consent(
            alpha,
            consent,
            signer,
            redirect_url=late,
            now=datetime.now(UTC) + timedelta(minutes=11),
            **kwargs,
        )
    assert _meter_rows(alpha, "alpha") == [("22516914714270", "consumption", "active")]


def test_duration_over_three_years_is_refused_before_sending(
    consent: EnedisConsent, signer: StateSigner, sandbox: SandboxServer
) -> None:
    calls = httpx.get(f"{sandbox.url}/sandbox/stats").json()["total"]
    with pytest.raises(InvalidDurationError, match="P4Y"):
        start_consent(consent, signer, "alpha", duration="P4Y", redirect_uri="http://127.0.0.1:9/callback")
    assert httpx.get(f"{sandbox.url}/sandbox/stats").json()["total"] == calls


def test_provider_refusal_is_a_typed_error(
    alpha: psycopg.Connection, consent: EnedisConsent, signer: StateSigner
) -> None:
    redirect = _redirect_for(consent, signer, 0, duration="P5Y")  # bypassing our own check
    with pytest.raises(ConsentRefusedError) as info:
        complete_consent(
            alpha,
            consent,
            signer,
            building_code="alpha",
            api="v5",
            duration="P3Y",
            redirect_url=redirect,
            actor="test",
        )
    assert info.value.description == "maximum_duration_exceeded"


def test_our_code_path_imports_no_deprecated_authlib_integration() -> None:
    code = (
        "import sys, warnings; warnings.simplefilter('error');"
        "import linky_pipeline.lib.consent.flow, linky_pipeline.commands.consent;"
        "bad = [m for m in sys.modules if m.startswith('authlib.integrations')]; print(bad); assert not bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
