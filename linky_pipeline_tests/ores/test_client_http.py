"""OresClient against the sandbox over real HTTP, tokens sealed in a real PostgreSQL: exact kWh, token refresh and
rotation, consent loss, and the seed's error rules (429 backoff, 503 skip, timeouts, malformed bodies)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta

import httpx
import psycopg
import pytest

from linky_pipeline.lib.consent import credentials
from linky_pipeline.lib.consent.store import ConnectedMeter
from linky_pipeline.lib.consent.tokens import VaultTokenStore
from linky_pipeline.lib.consent.vault import Sealed, Vault, VaultDecryptError
from linky_pipeline.lib.domain.localtime import BRUSSELS
from linky_pipeline.lib.domain.registry import add_meter
from linky_pipeline.lib.sources.errors import (
    ApiUnavailableError,
    ConsentLostError,
    QuotaExceededError,
    SourceConfigError,
)
from linky_pipeline.lib.sources.ores.client import OresClient
from linky_pipeline.lib.sources.ores.parsing import OresReadingError
from linky_pipeline.lib.sources.ratelimit import InMemoryRateLimiter, PostgresRateLimiter, RateLimiter
from linky_pipeline.sandbox.ores import DEMO_EAN, SEED_PRM
from linky_pipeline.sandbox.ores.settings import CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.ores.conftest import TODAY
from linky_pipeline_tests.support.ores import connect_ores, day_wh, ores_settings

CURVE = "consumption_load_curve"


def _client(
    pg_url: str,
    server: SandboxServer,
    vault: Vault,
    *,
    sleeps: list[float] | None = None,
    limiter_for: Callable[[str], RateLimiter] | None = None,
    **settings: object,
) -> OresClient:
    sleep = sleeps.append if sleeps is not None else time.sleep
    return OresClient(
        ores_settings(server, **settings),
        VaultTokenStore(lambda: psycopg.connect(pg_url), vault),
        limiter_for,
        today=lambda: TODAY,
        sleep=sleep,
    )


def _faults(server: SandboxServer, *rules: dict[str, object]) -> None:
    assert httpx.post(f"{server.ores_url}/sandbox/faults", json=list(rules)).status_code == 200


def _stats(server: SandboxServer) -> dict[str, object]:
    return httpx.get(f"{server.ores_url}/sandbox/stats").json()


def _stored(db: psycopg.Connection, vault: Vault, pk: int, name: str) -> str | None:
    db.rollback()
    return credentials.load(db, vault, pk, name)


def test_a_backfill_is_exact_per_brussels_day_under_the_buildings_quota(
    pg_url: str, db: psycopg.Connection, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter]
) -> None:
    limiters: list[PostgresRateLimiter] = []

    def limiter_for(building: str) -> PostgresRateLimiter:
        limiters.append(PostgresRateLimiter(pg_url, f"ores:{building}", per_second=50, per_hour=10_000))
        return limiters[-1]

    with _client(pg_url, server, vault, limiter_for=limiter_for) as client:
        result = client.fetch(DEMO_EAN, CURVE, date(2026, 1, 1), date(2026, 4, 1))
        monthly = client.settings.window_days
    assert monthly == 7 and len(result.windows) == 13  # 90 days in 7-day windows
    assert {w.outcome for w in result.windows} == {"ok"} and result.no_data_days == []
    assert all("Authorization" not in str(w.request) and "Bearer" not in str(w.request) for w in result.windows)
    frame = result.frame.assign(day=result.frame["ts"].dt.tz_convert(BRUSSELS).dt.date)
    per_day = frame.groupby("day")["kwh"].agg(["sum", "size"])
    assert len(per_day) == 90
    for day, row in per_day.iterrows():
        assert round(row["sum"], 6) == sum(day_wh(DEMO_EAN, "consumption", day)) / 1000
    assert per_day.loc[date(2026, 3, 29), "size"] == 46
    # one limiter for the building, and it counted every data call
    assert [lim.key for lim in limiters] == ["ores:liege"]
    counted = db.execute("SELECT hour_count FROM api_rate_limits WHERE provider = 'ores:liege'").fetchone()[0]
    assert counted == result.calls == 13
    limiters[0].close()
    with _client(pg_url, server, vault, window_days=31) as wide:
        assert len(wide.fetch(DEMO_EAN, "production_load_curve", date(2026, 1, 1), date(2026, 4, 1)).windows) == 3


def test_the_access_token_is_refreshed_before_it_expires_during_a_long_backfill(
    pg_url: str, db: psycopg.Connection, server: SandboxServer, vault: Vault
) -> None:
    db.execute("INSERT INTO buildings (code, name, timezone) VALUES ('namur', 'Namur', 'Europe/Brussels')")
    httpx.post(f"{server.ores_url}/sandbox/control", json={"access_ttl_s": 2})
    (meter,) = connect_ores(db, server, "namur", SEED_PRM, 1, vault)
    first_refresh = _stored(db, vault, meter.pk, "refresh_token")
    limiter = InMemoryRateLimiter(per_second=6, per_hour=10_000, burst=1)
    with _client(pg_url, server, vault, limiter_for=lambda _b: limiter, token_margin_s=1.0) as client:
        result = client.fetch(SEED_PRM, CURVE, date(2026, 6, 1), date(2026, 10, 1))  # 18 calls over ~3 s
    stats = _stats(server)
    assert stats["calls"]["token:refresh_token"] >= 2
    assert "401" not in stats["statuses"]  # refreshed before expiry: no call was refused
    assert {w.http_status for w in result.windows} == {200} and len(result.frame) == 122 * 48
    # the rotated refresh token was stored, and the first one no longer works
    assert _stored(db, vault, meter.pk, "refresh_token") != first_refresh
    reuse = httpx.post(
        f"{server.ores_url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first_refresh, "client_id": "ores-sandbox-client"}
        | {"client_secret": CLIENT_SECRET},
    )
    assert reuse.json()["error"] == "invalid_grant"


def test_a_401_refreshes_once_and_the_refused_call_never_lands(
    pg_url: str, db: psycopg.Connection, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter]
) -> None:
    before = _stored(db, vault, liege[0].pk, "access_token")
    _faults(server, {"fault": "401"})
    with _client(pg_url, server, vault) as client:
        result = client.fetch(DEMO_EAN, CURVE, date(2026, 11, 1), date(2026, 11, 15))
    assert [w.http_status for w in result.windows] == [200, 200]
    assert _stats(server)["calls"]["token:refresh_token"] == 1 and result.calls == 4  # 2 windows + 401 + refresh
    after = {_stored(db, vault, m.pk, "access_token") for m in liege}
    assert len(after) == 1 and before not in after  # both directions hold the new token
    expiry = db.execute("SELECT expires_at FROM meter_credentials WHERE name = 'access_token'").fetchall()
    assert len(expiry) == 2 and all(e[0] is not None for e in expiry)


def test_a_second_401_means_the_consent_is_gone(
    pg_url: str, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter]
) -> None:
    _faults(server, {"fault": "401", "count": 2})
    with pytest.raises(ConsentLostError) as info, _client(pg_url, server, vault) as client:
        client.fetch(DEMO_EAN, CURVE, date(2026, 11, 1), date(2026, 11, 2))
    assert (info.value.status, info.value.code, info.value.prm) == (401, "invalid_token", DEMO_EAN)


def test_a_revoked_refresh_token_mid_fetch_means_the_consent_is_gone(
    pg_url: str, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter]
) -> None:
    _faults(server, {"fault": "revoke", "meter_id": DEMO_EAN, "after": 2})
    before = _stats(server)["calls"][CURVE]
    with pytest.raises(ConsentLostError) as info, _client(pg_url, server, vault) as client:
        client.fetch(DEMO_EAN, CURVE, date(2026, 10, 1), date(2026, 11, 1))
    assert (info.value.status, info.value.code) == (400, "invalid_grant")
    assert _stats(server)["calls"][CURVE] - before == 3  # two answered windows, then the refused one


def test_429_backs_off_2_4_8_16_seconds_then_gives_up(
    pg_url: str, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter]
) -> None:
    sleeps: list[float] = []
    _faults(server, {"fault": "429", "count": 2})
    with _client(pg_url, server, vault, sleeps=sleeps, backoff_base_s=2.0) as client:
        assert client.fetch(DEMO_EAN, CURVE, date(2026, 11, 1), date(2026, 11, 2)).windows[0].http_status == 200
        assert sleeps == [2.0, 4.0]
        sleeps.clear()
        _faults(server, {"fault": "429", "count": 5})
        with pytest.raises(QuotaExceededError, match="2, 4, 8, 16 s"):
            client.fetch(DEMO_EAN, CURVE, date(2026, 11, 1), date(2026, 11, 2))
    assert sleeps == [2.0, 4.0, 8.0, 16.0]


def test_503_is_skipped_until_the_next_cycle(
    pg_url: str, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter]
) -> None:
    sleeps: list[float] = []
    _faults(server, {"fault": "503"})
    before = _stats(server)["calls"][CURVE]
    with pytest.raises(ApiUnavailableError, match="503, skipped"), _client(pg_url, server, vault, sleeps=sleeps) as c:
        c.fetch(DEMO_EAN, CURVE, date(2026, 11, 1), date(2026, 11, 2))
    assert sleeps == [] and _stats(server)["calls"][CURVE] - before == 1


def test_timeouts_are_retried_three_times_with_backoff(
    pg_url: str, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter]
) -> None:
    httpx.post(f"{server.ores_url}/sandbox/control", json={"stall_s": 1.0})
    sleeps: list[float] = []
    _faults(server, {"fault": "timeout"})
    with _client(pg_url, server, vault, sleeps=sleeps, timeout_s=0.3, backoff_base_s=0.5) as client:
        assert client.fetch(DEMO_EAN, CURVE, date(2026, 11, 1), date(2026, 11, 2)).windows[0].outcome == "ok"
        assert sleeps == [0.5]
        sleeps.clear()
        _faults(server, {"fault": "timeout", "count": 4})
        with pytest.raises(ApiUnavailableError, match="ReadTimeout after 3 retries"):
            client.fetch(DEMO_EAN, CURVE, date(2026, 11, 1), date(2026, 11, 2))
    assert sleeps == [0.5, 1.0, 2.0]


def test_malformed_bodies_are_asked_again_and_a_bad_reading_is_named(
    pg_url: str, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter]
) -> None:
    _faults(server, {"fault": "malformed"})
    with _client(pg_url, server, vault) as client:
        result = client.fetch(DEMO_EAN, CURVE, date(2026, 11, 1), date(2026, 11, 2))
        assert len(result.frame) == 48 and result.calls == 2
        _faults(server, {"fault": "bad_period"})
        with pytest.raises(OresReadingError) as info:
            client.fetch(DEMO_EAN, CURVE, date(2026, 11, 1), date(2026, 11, 2))
    assert info.value.index == 24 and "lasts 3600 s but reading_type.measuring_period is 1800 s" in str(info.value)
    assert "2026-11-01T11:00:00Z" in str(info.value)  # its start, for whoever reads the error


def test_both_directions_refreshing_at_once_spend_the_refresh_token_once(
    pg_url: str, db: psycopg.Connection, server: SandboxServer, vault: Vault
) -> None:
    db.execute("INSERT INTO buildings (code, name, timezone) VALUES ('liege', 'Liège', 'Europe/Brussels')")
    httpx.post(f"{server.ores_url}/sandbox/control", json={"access_ttl_s": 1})
    connect_ores(db, server, "liege", DEMO_EAN, 0, vault)
    time.sleep(1.2)  # the stored access token has expired
    outcomes: list[object] = []
    with _client(pg_url, server, vault) as client:

        def fetch(endpoint: str) -> None:
            try:
                outcomes.append(client.fetch(DEMO_EAN, endpoint, date(2026, 11, 1), date(2026, 11, 2)))
            except Exception as exc:  # collected: the assertion below names it
                outcomes.append(exc)

        threads = [threading.Thread(target=fetch, args=(e,)) for e in (CURVE, "production_load_curve")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert _stats(server)["calls"]["token:refresh_token"] == 1


def test_tokens_are_sealed_per_meter_row(db: psycopg.Connection, vault: Vault, liege: list[ConnectedMeter]) -> None:
    consumption, production = sorted(liege, key=lambda m: m.direction)
    assert (consumption.direction, production.direction) == ("consumption", "production")
    rows = {
        (pk, name): Sealed(key_id, bytes(blob))
        for pk, name, key_id, blob in db.execute("SELECT meter_pk, name, key_id, ciphertext FROM meter_credentials")
    }
    assert set(rows) == {(m.pk, n) for m in liege for n in ("access_token", "refresh_token")}
    token = vault.decrypt(consumption.pk, "access_token", rows[(consumption.pk, "access_token")])
    assert vault.decrypt(production.pk, "access_token", rows[(production.pk, "access_token")]) == token
    assert token.encode() not in rows[(consumption.pk, "access_token")].ciphertext
    with pytest.raises(VaultDecryptError, match="copied from another meter"):
        vault.decrypt(production.pk, "access_token", rows[(consumption.pk, "access_token")])


def test_no_token_or_secret_reaches_the_logs(
    pg_url: str, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "linky_pipeline"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    _faults(server, {"fault": "401"}, {"fault": "malformed"})
    with _client(pg_url, server, vault) as client:
        client.fetch(DEMO_EAN, CURVE, date(2026, 11, 1), date(2026, 11, 3))
        shown = repr(client) + repr(client.settings)
    issued = server.ores.issued()
    assert len(issued) >= 5  # the code, two access and two refresh tokens
    assert "refreshing once" in caplog.text
    for secret in (*issued, CLIENT_SECRET):
        assert secret not in caplog.text and secret not in shown


def test_a_meter_without_tokens_says_how_to_connect_it(
    pg_url: str, db: psycopg.Connection, server: SandboxServer, vault: Vault
) -> None:
    db.execute("INSERT INTO buildings (code, name, timezone) VALUES ('mons', 'Mons', 'Europe/Brussels')")
    db.commit()
    add_meter(db, "mons", "ores", SEED_PRM, "consumption")
    with pytest.raises(SourceConfigError, match="meters connect --provider ores"), _client(pg_url, server, vault) as c:
        c.fetch(SEED_PRM, CURVE, TODAY - timedelta(days=3), TODAY)


def test_without_rotation_the_refresh_token_is_kept(
    pg_url: str, db: psycopg.Connection, server: SandboxServer, vault: Vault, liege: list[ConnectedMeter]
) -> None:
    httpx.post(f"{server.ores_url}/sandbox/control", json={"rotate_refresh_tokens": False})
    refresh = _stored(db, vault, liege[0].pk, "refresh_token")
    access = _stored(db, vault, liege[0].pk, "access_token")
    _faults(server, {"fault": "401"}, {"fault": "401", "after": 1})
    with _client(pg_url, server, vault) as client:
        for day in (date(2026, 11, 1), date(2026, 11, 2)):  # each fetch is refused once and refreshes once
            assert client.fetch(DEMO_EAN, CURVE, day, day + timedelta(days=1)).windows[0].http_status == 200
    assert _stats(server)["calls"]["token:refresh_token"] == 2
    assert _stored(db, vault, liege[1].pk, "refresh_token") == refresh  # the answers carried none: ours is kept
    assert _stored(db, vault, liege[1].pk, "access_token") != access
