"""`meters connect` / `meters disconnect` as a user runs them (env config, real sandbox, real database)."""

from __future__ import annotations

import httpx
import psycopg
import pytest
from click.testing import CliRunner

from linky_pipeline.commands.consent import connect, disconnect
from linky_pipeline.lib.consent import credentials
from linky_pipeline.lib.consent.flow import connect_meters, start_consent
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.sources.enedis.consent import EnedisConsent
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.support.registry_rows import STATE_SECRET, add_building


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, warehouse_env: str, sandbox: SandboxServer, key_a: str) -> None:
    monkeypatch.setenv("LINKY_ENEDIS_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("LINKY_ENEDIS_CLIENT_SECRET", "sandbox-secret")
    monkeypatch.setenv("LINKY_ENEDIS_API_BASE", sandbox.url + "/")
    monkeypatch.delenv("LINKY_ENEDIS_AUTHORIZE_BASE", raising=False)
    monkeypatch.delenv("LINKY_ENEDIS_REDIRECT_URI", raising=False)
    monkeypatch.setenv("LINKY_STATE_SECRET", STATE_SECRET)
    monkeypatch.setenv("LINKY_ENCRYPTION_KEYS", key_a)


def _consent_redirect(consent: EnedisConsent, signer: StateSigner, api: str, customer: int) -> str:
    """What the user copies from the browser's address bar after consenting."""
    pending = start_consent(
        consent, signer, "alpha", api=api, sandbox_customer=customer, redirect_uri="https://example.invalid/callback"
    )
    response = httpx.get(pending.url)
    assert response.status_code == 302
    return response.headers["location"]


def test_connect_with_pasted_redirect_then_disconnect(
    db: psycopg.Connection, env: None, consent: EnedisConsent, signer: StateSigner, vault: Vault
) -> None:
    add_building(db, "alpha")
    db.commit()
    redirect = _consent_redirect(consent, signer, "2026", 9)
    result = CliRunner().invoke(connect, ["--building", "alpha", "--api", "2026", "--callback-url", redirect])
    assert result.exit_code == 0, result.output
    assert "connected enedis/99999999999991 (consumption) in alpha, consent until" in result.output
    pk, status = db.execute("SELECT id, status FROM meters WHERE meter_id = '99999999999991'").fetchone()
    assert status == "active"
    autorisation_id = redirect.split("autorisation_id=")[1].split("&")[0]
    assert credentials.load(db, vault, pk, "autorisation_id") == autorisation_id
    assert autorisation_id not in result.output and "sandbox-secret" not in result.output
    db.commit()
    # the same redirect again is a replay: one clear line, nothing changed
    replay = CliRunner().invoke(connect, ["--building", "alpha", "--api", "2026", "--callback-url", redirect])
    assert replay.exit_code == 1 and "already used" in replay.output and "Traceback" not in replay.output

    out = CliRunner().invoke(disconnect, ["--building", "alpha", "--meter", "99999999999991"])
    assert out.exit_code == 0, out.output
    assert "disconnected enedis/99999999999991 (consumption); 1 credential(s) deleted" in out.output
    db.rollback()
    assert db.execute("SELECT status FROM meters WHERE id = %s", (pk,)).fetchone()[0] == "consent_revoked"
    assert db.execute("SELECT count(*) FROM meter_credentials").fetchone()[0] == 0
    actions = [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["meter_connected", "consent_revoked"]
    unknown = CliRunner().invoke(disconnect, ["--building", "alpha", "--meter", "12345678901234"])
    assert unknown.exit_code == 1 and "no meter '12345678901234' in building 'alpha'" in unknown.output


def test_connect_user_errors_are_one_line(
    db: psycopg.Connection, env: None, consent: EnedisConsent, signer: StateSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_building(db, "alpha")
    db.commit()
    too_long = CliRunner().invoke(connect, ["--building", "alpha", "--duration", "P4Y", "--callback-url", "-"])
    assert too_long.exit_code == 1 and "exceeds the maximum consent duration P3Y" in too_long.output
    unknown = CliRunner().invoke(connect, ["--building", "nope", "--callback-url", "-"])
    assert unknown.exit_code == 2 and "unknown building 'nope'" in unknown.output
    # a state signed for alpha cannot be used to attach meters to beta
    add_building(db, "beta")
    db.commit()
    redirect = _consent_redirect(consent, signer, "v5", 0)
    forged = CliRunner().invoke(connect, ["--building", "beta", "--api", "v5", "--callback-url", redirect])
    assert forged.exit_code == 1 and "invalid signature for building 'beta'" in forged.output
    monkeypatch.setenv("LINKY_STATE_SECRET", "too-short")
    weak = CliRunner().invoke(connect, ["--building", "alpha", "--api", "v5", "--callback-url", redirect])
    assert weak.exit_code == 1 and "LINKY_STATE_SECRET must be at least 32 characters" in weak.output
    assert "too-short" not in weak.output
    db.rollback()
    assert db.execute("SELECT count(*) FROM meters").fetchone()[0] == 0


def test_paste_mode_prints_url_then_reads_the_redirect(
    db: psycopg.Connection, consent: EnedisConsent, signer: StateSigner
) -> None:
    add_building(db, "alpha")
    db.commit()
    printed: list[str] = []

    def paste() -> str:
        """The user opens the printed URL, then copies the address the browser was sent to."""
        return httpx.get(printed[-1]).headers["location"]

    meters = connect_meters(
        db,
        consent,
        signer,
        building_code="alpha",
        actor="test",
        api="v5",
        callback_port=8765,
        read_callback_url=paste,
        sandbox_customer=4,
        announce=printed.append,
    )
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback" in printed[0]
    assert [(m.meter_id, m.direction) for m in meters] == [("42900589957123", "consumption")]


def test_paste_mode_command_prints_the_url(db: psycopg.Connection, env: None) -> None:
    add_building(db, "alpha")
    db.commit()
    result = CliRunner().invoke(
        connect,
        ["--building", "alpha", "--api", "v5", "--callback-url", "-", "--no-browser", "--sandbox-customer", "4"],
        input="",
    )
    assert "dataconnect/v1/oauth2/authorize?response_type=code&client_id=sandbox-client" in result.output
    assert "state=v1.enedis." in result.output and "Paste the redirect URL" in result.output
    assert "sandbox-secret" not in result.output
    assert result.exit_code == 1 and "Traceback" not in result.output  # no input: aborted
