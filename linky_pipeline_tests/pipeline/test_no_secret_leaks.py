"""A full run at DEBUG level: no token, client secret or key in any log line or Dagster event (Enedis, and ORES with
its per-meter tokens refreshed during the run); a revoked consent is handled (meter marked, credentials deleted,
audit, notification) without failing the run."""

import logging
from datetime import date

import httpx
import pytest

from linky_pipeline.lib.consent import credentials
from linky_pipeline.lib.consent.vault import Vault
from linky_pipeline.lib.domain.registry import add_building
from linky_pipeline.lib.notify.rules import AlertRuleSpec, add_rule
from linky_pipeline.local.stack import SANDBOX_CLIENT_SECRET
from linky_pipeline.sandbox.ores import DEMO_EAN
from linky_pipeline.sandbox.ores.settings import CLIENT_SECRET as ORES_CLIENT_SECRET
from linky_pipeline_tests.support.ores import connect_ores
from linky_pipeline_tests.support.pipeline import VAULT_KEY

KEY = "9f" * 32
REVOKED = "26584978546985"


def test_debug_run_leaks_no_secret_and_handles_revoked_consent(
    db, building, run_pipeline, sandbox, caplog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKY_ENCRYPTION_KEYS", KEY)
    building("normal", ("22516914714270", "consumption"), (REVOKED, "consumption"))
    add_rule(
        db,
        AlertRuleSpec(
            building_code=None,
            metric="consumption",
            threshold_percent=120,
            severity="Minor",
            channels=("email",),
            recipients=("syndic@example.org",),
        ),
    )
    meter_pk = db.execute("SELECT id FROM meters WHERE meter_id = %s", (REVOKED,)).fetchone()[0]
    credentials.store(db, Vault.from_env(), meter_pk, "autorisation_id", "AUTH-SECRET-4242")
    db.commit()
    add_building(db, "liege", "Liège", "Europe/Brussels")
    connect_ores(db, sandbox, "liege", DEMO_EAN, 0, Vault.from_env({"LINKY_ENCRYPTION_KEYS": VAULT_KEY}))
    httpx.post(f"{sandbox.ores_url}/sandbox/faults", json={"fault": "401"})  # a refresh during the run
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "linky_pipeline", "dagster"):
        logging.getLogger(name).setLevel(logging.DEBUG)

    caplog.clear()  # only the run's own logs: the consent above was this test's browser talking
    result = run_pipeline(["liege", "normal"], date(2026, 10, 1), date(2026, 10, 1))
    assert result.success
    assert httpx.get(f"{sandbox.ores_url}/sandbox/stats").json()["calls"]["token:refresh_token"] == 1

    events = "\n".join(str(e) for e in result.all_events)
    events += "\n".join(str(r) for r in result.dagster_run.tags.items())
    logs = caplog.text
    tokens = sandbox.app.tokens.issued()
    ores_tokens = sandbox.ores.issued()
    assert tokens, "the run must have obtained a token"
    assert len(ores_tokens) >= 5, "an ORES code, its tokens and the refreshed ones"
    for secret in (
        SANDBOX_CLIENT_SECRET,
        ORES_CLIENT_SECRET,
        KEY,
        VAULT_KEY,
        "AUTH-SECRET-4242",
        *tokens,
        *ores_tokens,
    ):
        assert secret not in logs
        assert secret not in events
    db.rollback()
    assert db.execute("SELECT status FROM meters WHERE id = %s", (meter_pk,)).fetchone() == ("consent_revoked",)
    assert db.execute("SELECT count(*) FROM meter_credentials WHERE meter_pk = %s", (meter_pk,)).fetchone() == (0,)
    assert db.execute("SELECT action FROM audit_log WHERE meter_ref = %s", (REVOKED,)).fetchone() == ("consent_lost",)
    assert db.execute("SELECT kind, recipient FROM notifications").fetchall() == [
        ("consent_lost", "syndic@example.org")
    ]
    assert (
        db.execute(
            "SELECT count(*) FROM readings r JOIN meters m ON m.id = r.meter_pk WHERE m.meter_id = '22516914714270'"
        ).fetchone()[0]
        == 31 * 48 + 2
    )


def test_an_api_error_echoing_the_bearer_token_reaches_no_log_event_or_table(
    db, building, run_pipeline, sandbox, caplog
) -> None:
    """Issue 17 §4: the gateway quotes the request, Authorization header included, in error_description."""
    building("echo", ("22516914714270", "consumption"))
    sandbox.settings.update({"echo_rate": 1.0})
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "linky_pipeline", "dagster"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    result = run_pipeline(["echo"], date(2026, 10, 1), date(2026, 10, 1))
    assert not result.success  # no meter could be fetched: the run fails (issue 17 §3), naming the scrubbed error
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    error = str(failure.event_specific_data.error)
    assert "no meter could be fetched" in error
    assert "HTTP 400 code='invalid_request'" in error and "Authorization: ***" in error
    tokens = sandbox.app.tokens.issued()
    assert tokens
    events = "\n".join(str(e) for e in result.all_events)
    db.rollback()
    stored = (
        db.execute("SELECT coalesce(string_agg(payload::text, ''), '') FROM raw_load_curves").fetchone()[0]
        + db.execute("SELECT coalesce(string_agg(details::text, ''), '') FROM audit_log").fetchone()[0]
    )
    for token in (*tokens, SANDBOX_CLIENT_SECRET):
        assert token not in caplog.text and token not in events and token not in stored
