"""Signed OAuth state: forged, expired and replayed states are rejected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from linky_pipeline.lib.consent.errors import (
    ExpiredStateError,
    ForgedStateError,
    ReplayedStateError,
    StateConfigError,
)
from linky_pipeline.lib.consent.state import StateSigner
from linky_pipeline_tests.support.registry_rows import STATE_SECRET

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _flip(text: str, index: int) -> str:
    ch = text[index]
    return text[:index] + ("A" if ch != "A" else "B") + text[index + 1 :]


@pytest.mark.parametrize("digit", [0, 3, 9])
def test_state_is_short_and_ends_with_the_signed_digit(signer: StateSigner, digit: int) -> None:
    state = signer.issue("alpha", "enedis", digit=digit, now=NOW)
    assert len(state) <= 100
    assert state[-1] == str(digit)
    verified = signer.check(state, "alpha", "enedis", now=NOW)
    assert verified.digit == digit
    assert verified.expires_at == NOW + timedelta(minutes=10)
    assert "alpha" not in state  # the building is committed in the MAC, not spelled out


def test_default_digit_comes_from_the_nonce_and_states_differ(signer: StateSigner) -> None:
    states = {signer.issue("alpha", "enedis", now=NOW) for _ in range(50)}
    assert len(states) == 50
    assert all(s[-1].isdigit() for s in states)
    assert len({s[-1] for s in states}) > 1


def test_tampered_signature_digit_or_expiry_is_forged(signer: StateSigner) -> None:
    state = signer.issue("alpha", "enedis", digit=4, now=NOW)
    mac_at = state.rindex(".") - 5
    candidates = [
        _flip(state, mac_at),  # signature
        state[:-1] + "5",  # sandbox digit
        state.replace(state.split(".")[3], str(int(state.split(".")[3]) + 3600)),  # extended expiry
        state.replace(state.split(".")[2], _flip(state.split(".")[2], 0)),  # nonce
    ]
    for forged in candidates:
        assert forged != state
        with pytest.raises(ForgedStateError, match="invalid signature"):
            signer.check(forged, "alpha", "enedis", now=NOW)


def test_state_for_another_building_or_secret_is_forged(signer: StateSigner) -> None:
    state = signer.issue("alpha", "enedis", now=NOW)
    with pytest.raises(ForgedStateError, match="building 'beta'"):
        signer.check(state, "beta", "enedis", now=NOW)
    with pytest.raises(ForgedStateError):
        StateSigner("x" * 40).check(state, "alpha", "enedis", now=NOW)


def test_state_for_another_provider_is_rejected(signer: StateSigner) -> None:
    state = signer.issue("alpha", "ores", now=NOW)
    with pytest.raises(ForgedStateError, match="provider 'ores'"):
        signer.check(state, "alpha", "enedis", now=NOW)


@pytest.mark.parametrize("bad", ["", "abc", "v1.enedis.short.1.x.1", "v2" + "x" * 98, "x" * 500])
def test_malformed_state_is_forged(signer: StateSigner, bad: str) -> None:
    with pytest.raises(ForgedStateError, match="malformed"):
        signer.check(bad, "alpha", "enedis", now=NOW)


def test_expired_state(signer: StateSigner) -> None:
    state = signer.issue("alpha", "enedis", now=NOW, ttl=timedelta(minutes=5))
    signer.check(state, "alpha", "enedis", now=NOW + timedelta(minutes=5))
    with pytest.raises(ExpiredStateError, match="expired at 2026-11-23T12:05:00"):
        signer.check(state, "alpha", "enedis", now=NOW + timedelta(minutes=5, seconds=1))


def test_replayed_state(db: psycopg.Connection, signer: StateSigner) -> None:
    state = signer.issue("alpha", "enedis")
    verified = signer.verify(db, state, "alpha", "enedis")
    assert db.execute("SELECT count(*) FROM oauth_states WHERE nonce = %s", (verified.nonce,)).fetchone()[0] == 1
    with pytest.raises(ReplayedStateError, match="already used"):
        signer.verify(db, state, "alpha", "enedis")
    # a different state still works
    signer.verify(db, signer.issue("alpha", "enedis"), "alpha", "enedis")


def test_forged_state_does_not_consume_anything(db: psycopg.Connection, signer: StateSigner) -> None:
    state = signer.issue("alpha", "enedis")
    with pytest.raises(ForgedStateError):
        signer.verify(db, state, "beta", "enedis")
    assert db.execute("SELECT count(*) FROM oauth_states").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("env", "expected"),
    [({}, "is not set"), ({"LINKY_STATE_SECRET": "short-secret"}, "at least 32 characters (got 12)")],
)
def test_state_secret_configuration(env: dict[str, str], expected: str) -> None:
    with pytest.raises(StateConfigError, match="LINKY_STATE_SECRET") as info:
        StateSigner.from_env(env)
    assert expected in str(info.value)
    assert "short-secret" not in str(info.value)


def test_signer_repr_hides_secret(signer: StateSigner) -> None:
    assert STATE_SECRET not in repr(signer)
