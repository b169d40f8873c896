"""2026 consent and contract (issue 11 §6): subscribed_services retried on an empty or null list then a clear
failure; consented measures, status and window stored per meter; synth_contrat_auto read defensively into each
meter's activation date and subscribed kVA; `meters list` and `meters contract` show them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
from click.testing import CliRunner

from linky_pipeline.cli import main
from linky_pipeline.lib.consent.contract import refresh_contracts
from linky_pipeline.lib.consent.flow import complete_consent, start_consent
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.registry import add_meter
from linky_pipeline.lib.sources.enedis.consent import EnedisConsent
from linky_pipeline.lib.sources.enedis.consent_api import EnedisConsentConfig, consent_client, subscribed_services
from linky_pipeline.lib.sources.errors import ConsentApiError
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.support.registry_rows import STATE_SECRET, add_building


@pytest.fixture
def fresh_sandbox() -> SandboxServer:
    with SandboxServer() as server:
        yield server


def _autorisation_id(sandbox: SandboxServer, customer: int) -> str:
    location = httpx.get(
        f"{sandbox.url}/dataconnect/v2/oauth2/authorize",
        params={
            "client_id": "sandbox-client",
            "redirect_uri": "http://127.0.0.1:9/cb",
            "response_type": "code",
            "state": f"state-{customer}",
            "duration": "P1Y",
        },
    ).headers["location"]
    return parse_qs(urlsplit(location).query)["autorisation_id"][0]


def _config(sandbox: SandboxServer) -> EnedisConsentConfig:
    return EnedisConsentConfig("sandbox-client", "sandbox-secret", sandbox.url, sandbox.url)


def test_subscribed_services_is_asked_again_until_a_point_id_comes(fresh_sandbox: SandboxServer) -> None:
    fresh_sandbox.settings.update({"subscribed_services_empty": 2})  # [] then null, then the services
    slept: list[float] = []
    with consent_client(_config(fresh_sandbox)) as client:
        grants = subscribed_services(client, _autorisation_id(fresh_sandbox, 6), sleep=slept.append)
    assert slept == [1.0, 2.0]
    by_direction = {g.direction: g for g in grants}
    assert set(by_direction) == {"consumption", "production"}
    assert by_direction["consumption"].measures == ("CDC", "ENERGIE", "PMAX")
    assert by_direction["production"].measures == ("CDC", "ENERGIE")
    assert {g.service_state for g in grants} == {"ACTIF"}


def test_no_point_id_after_the_retries_is_a_clear_failure(fresh_sandbox: SandboxServer) -> None:
    fresh_sandbox.settings.update({"subscribed_services_empty": 10})
    slept: list[float] = []
    with consent_client(_config(fresh_sandbox)) as client, pytest.raises(ConsentApiError) as failed:
        subscribed_services(client, _autorisation_id(fresh_sandbox, 0), sleep=slept.append)
    assert slept == [1.0, 2.0, 4.0]
    assert "no pointId for this consent after 4 attempts" in str(failed.value)
    assert "meters connect" in str(failed.value)


def test_a_2026_consent_stores_measures_status_window_and_contract(
    db: psycopg.Connection, sandbox: SandboxServer, config: EnedisConsentConfig, vault: Vault
) -> None:
    add_building(db, "alpha")
    db.commit()
    signer = StateSigner(STATE_SECRET)
    with EnedisConsent(config) as consent:
        pending = start_consent(consent, signer, "alpha", sandbox_customer=1, redirect_uri="http://127.0.0.1:9/cb")
        redirect = httpx.get(pending.url).headers["location"]
        (meter,) = complete_consent(
            db,
            consent,
            signer,
            building_code="alpha",
            api="2026",
            duration="P3Y",
            redirect_url=redirect,
            actor="test",
            vault=vault,
        )
    row = db.execute(
        "SELECT meter_id, consented_measures, consent_status, consent_end > consent_start, activation_date, "
        "subscribed_kva, contract_checked_at IS NOT NULL FROM meters WHERE id = %s",
        (meter.pk,),
    ).fetchone()
    # customer 1: PRM 11453290002823, activated 2019-08-27 (contract summary with a '+0200' offset), 6 kVA
    assert row == ("11453290002823", ["CDC", "ENERGIE", "PMAX"], "ACTIF", True, date(2019, 8, 27), Decimal("6"), True)


def test_contract_refresh_reads_every_shape_and_a_failure_changes_nothing(
    db: psycopg.Connection, sandbox: SandboxServer, config: EnedisConsentConfig
) -> None:
    add_building(db, "alpha")
    pks = {
        prm: add_meter(db, "alpha", "enedis", prm, direction).pk
        for prm, direction in (
            ("22516914714270", "consumption"),  # {"value", "unit"}, +01:00
            ("64975835695673", "consumption"),  # wrapped, bare day, a number of kVA
            ("10284856584123", "production"),  # generation date only, no subscribed power
            ("26584978546985", "consumption"),  # consent revoked: 403
        )
    }
    db.execute("UPDATE meters SET activation_date = '2016-05-01' WHERE id = %s", (pks["64975835695673"],))
    db.commit()
    meters = [(pk, prm, "production" if prm == "10284856584123" else "consumption") for prm, pk in pks.items()]
    with EnedisConsent(config) as consent, db.transaction():
        done = {r.meter_id: r for r in refresh_contracts(db, consent, meters, datetime.now(UTC))}
    assert "ADAM-DC-0008" in (done["26584978546985"].error or "")
    rows = {
        r[0]: r[1:]
        for r in db.execute(
            "SELECT meter_id, activation_date, subscribed_kva, contract_checked_at IS NOT NULL FROM meters"
        ).fetchall()
    }
    assert rows == {
        "22516914714270": (date(2015, 1, 1), Decimal("9"), True),
        "64975835695673": (date(2016, 5, 1), Decimal("9"), True),  # a later known activation is kept
        "10284856584123": (date(2015, 1, 1), None, True),
        "26584978546985": (None, None, False),
    }


def test_meters_list_and_contract_commands(
    db: psycopg.Connection, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, warehouse_env: str
) -> None:
    add_building(db, "alpha")
    add_meter(db, "alpha", "enedis", "12345678901234", "consumption")
    db.execute(
        "UPDATE meters SET consent_status = 'ACTIF', consented_measures = ARRAY['CDC','PMAX'], "
        "consent_start = '2026-11-23T00:00+01', consent_end = '2029-11-23T00:00+01'"
    )
    db.commit()
    for name, value in {
        "LINKY_ENEDIS_CLIENT_ID": "sandbox-client",
        "LINKY_ENEDIS_CLIENT_SECRET": "sandbox-secret",
        "LINKY_ENEDIS_API_BASE": sandbox.url,
    }.items():
        monkeypatch.setenv(name, value)
    before = CliRunner().invoke(main, ["meters", "list", "--building", "alpha"])
    assert before.exit_code == 0, before.output
    header, line = before.output.splitlines()
    assert header.split("\t") == [
        "building", "provider", "meter", "direction", "status", "activation", "kva", "consent", "consent_end",
        "measures", "token_expiry",
    ]  # fmt: skip
    assert line.split("\t") == [
        "alpha", "enedis", "12345678901234", "consumption", "active", "-", "-", "ACTIF", "2029-11-23", "CDC,PMAX", "-",
    ]  # fmt: skip
    read = CliRunner().invoke(main, ["meters", "contract", "--building", "alpha"])
    assert read.exit_code == 0, read.output
    assert read.output.splitlines() == ["12345678901234\tconsumption since 2015-01-01\t12 kVA"]
    after = CliRunner().invoke(main, ["meters", "list", "--building", "alpha"]).output.splitlines()[1].split("\t")
    assert after[5:7] == ["2015-01-01", "12"]
    monkeypatch.delenv("LINKY_ENEDIS_CLIENT_SECRET")
    missing = CliRunner().invoke(main, ["meters", "contract"])
    assert missing.exit_code == 2 and "LINKY_ENEDIS_CLIENT_SECRET" in missing.output
