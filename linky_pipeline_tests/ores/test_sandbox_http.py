"""The ORES emulator over real HTTP: the seed's OAuth2 flow, Wh curves on Brussels DST days, injected faults."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from linky_pipeline.lib.domain.localtime import BRUSSELS, local_midnight_utc
from linky_pipeline.sandbox.ores import DEMO_EAN, SEED_PRM
from linky_pipeline.sandbox.ores.settings import CLIENT_ID, CLIENT_SECRET
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline_tests.support.ores import day_wh

REDIRECT = "http://127.0.0.1:9/callback"
pytestmark = pytest.mark.http


def _code(server: SandboxServer, state: str = "st0", **extra: str) -> str:
    params = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "response_type": "code", "scope": "consumption"}
    answer = httpx.get(f"{server.ores_url}/oauth/authorize", params={**params, "state": state, **extra})
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == [state]
    return query["code"][0]


def _token(server: SandboxServer, **form: str) -> httpx.Response:
    return httpx.post(
        f"{server.ores_url}/oauth/token", data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **form}
    )


def _tokens(server: SandboxServer, state: str = "st0") -> dict[str, str]:
    answer = _token(server, grant_type="authorization_code", code=_code(server, state), redirect_uri=REDIRECT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _day(day: date, days: int = 1) -> dict[str, str]:
    lo, hi = local_midnight_utc(day, BRUSSELS), local_midnight_utc(day + timedelta(days=days), BRUSSELS)
    return {"start": lo.strftime("%Y-%m-%dT%H:%M:%SZ"), "end": hi.strftime("%Y-%m-%dT%H:%M:%SZ")}


def _curve(server: SandboxServer, token: str, direction: str, meter: str, **params: str) -> httpx.Response:
    return httpx.get(
        f"{server.ores_url}/v1/{direction}_load_curve",
        params={"prm": meter, **params},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_authorization_code_grant_and_single_use_codes(server: SandboxServer) -> None:
    code = _code(server)
    first = _token(server, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert first.status_code == 200
    body = first.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "consumption"
    assert body["access_token"] and body["refresh_token"]
    again = _token(server, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    other = _token(server, grant_type="authorization_code", code=_code(server), redirect_uri="http://127.0.0.1:9/x")
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"
    wrong = httpx.post(f"{server.ores_url}/oauth/token", data={"grant_type": "refresh_token", "client_id": CLIENT_ID})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    # authorize errors go back to the application when its redirect URI is trustworthy
    refused = httpx.get(
        f"{server.ores_url}/oauth/authorize",
        params={
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "all",
            "state": "s",
        },
    )
    assert parse_qs(urlsplit(refused.headers["location"]).query)["error"] == ["invalid_scope"]
    unknown = httpx.get(f"{server.ores_url}/oauth/authorize", params={"client_id": "nope", "redirect_uri": REDIRECT})
    assert unknown.status_code == 400 and "location" not in unknown.headers


def test_refresh_tokens_rotate_and_access_tokens_expire(server: SandboxServer) -> None:
    httpx.post(f"{server.ores_url}/sandbox/control", json={"access_ttl_s": 1})
    tokens = _tokens(server)
    assert (
        _curve(server, tokens["access_token"], "consumption", DEMO_EAN, **_day(date(2026, 11, 20))).status_code == 200
    )
    time.sleep(1.1)
    expired = _curve(server, tokens["access_token"], "consumption", DEMO_EAN, **_day(date(2026, 11, 20)))
    assert expired.status_code == 401 and expired.json()["error"] == "invalid_token"
    renewed = _token(server, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != tokens["refresh_token"]
    reused = _token(server, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert _curve(
        server, renewed.json()["access_token"], "consumption", DEMO_EAN, **_day(date(2026, 11, 20))
    ).is_success
    httpx.post(f"{server.ores_url}/sandbox/control", json={"rotate_refresh_tokens": False})
    kept = _token(server, grant_type="refresh_token", refresh_token=renewed.json()["refresh_token"])
    assert kept.status_code == 200 and "refresh_token" not in kept.json()


def test_curves_follow_annex_c_and_brussels_dst(server: SandboxServer) -> None:
    token = _tokens(server, "st0")["access_token"]  # customer 0: the demo EAN with solar panels
    for day, count in ((date(2026, 3, 29), 46), (date(2026, 10, 25), 50), (date(2026, 7, 1), 48)):
        for direction in ("consumption", "production"):
            answer = _curve(server, token, direction, DEMO_EAN, **_day(day))
            assert answer.status_code == 200
            body = answer.json()
            assert body["usage_point_id"] == DEMO_EAN
            assert body["reading_type"] == {"unit": "Wh", "aggregate": "Sum", "measuring_period": "PT30M"}
            readings = body["interval_readings"]
            assert len(readings) == count
            assert [r["value"] for r in readings] == day_wh(DEMO_EAN, direction, day)
            assert all(r["start"].endswith("Z") and r["end"].endswith("Z") for r in readings)
    summer = _curve(server, token, "production", DEMO_EAN, **_day(date(2026, 7, 1))).json()["interval_readings"]
    assert sum(r["value"] for r in summer) > 10_000  # a sunny July day of a 4.5 kWp array
    assert summer[0]["value"] == 0  # night
    # the customer's consent covers only its meter; a meter without solar panels has no production
    assert _curve(server, token, "consumption", SEED_PRM, **_day(date(2026, 7, 1))).status_code == 403
    seed_token = _tokens(server, "st1")["access_token"]
    none = _curve(server, seed_token, "production", SEED_PRM, **_day(date(2026, 7, 1)))
    assert none.status_code == 404 and none.json()["error"] == "no_data"
    # data is published for days before today only; windows are bounded
    today = _curve(server, token, "consumption", DEMO_EAN, **_day(date(2026, 11, 22), 2)).json()
    assert len(today["interval_readings"]) == 48
    long = _curve(server, token, "consumption", DEMO_EAN, **_day(date(2026, 1, 1), 40))
    assert long.status_code == 400 and "31 days" in long.json()["error_description"]
    autumn = _curve(server, token, "consumption", DEMO_EAN, **_day(date(2025, 10, 1), 31))  # 31 days and 1 hour
    assert autumn.status_code == 200 and len(autumn.json()["interval_readings"]) == 31 * 48 + 2
    old = _curve(server, token, "consumption", DEMO_EAN, **_day(date(2023, 1, 1)))
    assert old.status_code == 400 and old.json()["error"] == "history_limit"
    naive = _curve(server, token, "consumption", DEMO_EAN, start="2026-01-01T00:00:00", end="2026-01-02T00:00:00")
    assert naive.status_code == 400 and "UTC offset" in naive.json()["error_description"]


def test_faults_on_demand(server: SandboxServer) -> None:
    token = _tokens(server)["access_token"]
    httpx.post(f"{server.ores_url}/sandbox/control", json={"stall_s": 0.5})
    rules = [
        {"fault": "429"},
        {"fault": "503"},
        {"fault": "500"},
        {"fault": "401"},
        {"fault": "403"},
        {"fault": "malformed"},
        {"fault": "bad_period"},
        {"fault": "timeout"},
    ]
    assert httpx.post(f"{server.ores_url}/sandbox/faults", json=rules).status_code == 200
    day = _day(date(2026, 11, 2))
    statuses = [_curve(server, token, "consumption", DEMO_EAN, **day).status_code for _ in range(5)]
    assert statuses == [429, 503, 500, 401, 403]
    truncated = _curve(server, token, "consumption", DEMO_EAN, **day)
    assert truncated.status_code == 200
    with pytest.raises(ValueError):
        truncated.json()
    bad = _curve(server, token, "consumption", DEMO_EAN, **day).json()["interval_readings"]
    lengths = [(datetime.fromisoformat(r["end"]) - datetime.fromisoformat(r["start"])).total_seconds() for r in bad]
    assert sorted(set(lengths)) == [1800, 3600] and lengths.count(3600) == 1
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(
            f"{server.ores_url}/v1/consumption_load_curve",
            params={"prm": DEMO_EAN, **day},
            headers={"Authorization": f"Bearer {token}"},
            timeout=0.2,
        )
    assert _curve(server, token, "consumption", DEMO_EAN, **day).status_code == 200  # faults are spent
    assert httpx.get(f"{server.ores_url}/sandbox/faults").json()["hits"]["timeout"] == 1
    # a fault can wait for some calls, target a meter, or hit the token endpoint
    httpx.post(f"{server.ores_url}/sandbox/faults", json={"fault": "503", "meter_id": SEED_PRM})
    assert _curve(server, token, "consumption", DEMO_EAN, **day).status_code == 200
    httpx.post(f"{server.ores_url}/sandbox/faults/clear")
    httpx.post(f"{server.ores_url}/sandbox/faults", json={"fault": "invalid_grant", "target": "token"})
    assert _token(server, grant_type="refresh_token", refresh_token="x").json()["error"] == "invalid_grant"
    bad_rule = httpx.post(f"{server.ores_url}/sandbox/faults", json={"fault": "invalid_grant"})
    assert bad_rule.status_code == 400 and "target 'data'" in bad_rule.json()["error_description"]


def test_revocation_kills_every_token_of_the_meter(server: SandboxServer) -> None:
    tokens = _tokens(server)
    httpx.post(f"{server.ores_url}/sandbox/faults", json={"fault": "revoke", "meter_id": DEMO_EAN, "after": 1})
    day = _day(date(2026, 11, 2))
    assert _curve(server, tokens["access_token"], "consumption", DEMO_EAN, **day).status_code == 200
    assert _curve(server, tokens["access_token"], "consumption", DEMO_EAN, **day).status_code == 401
    refused = _token(server, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert httpx.post(f"{server.ores_url}/sandbox/revoke", json={"meter_id": SEED_PRM}).json() == {"revoked_grants": 0}


def test_ores_is_mounted_beside_the_enedis_emulator(server: SandboxServer) -> None:
    assert server.ores_url == server.url + "/ores"
    assert httpx.get(f"{server.ores_url}/sandbox/health").json() == {"ok": True}
    assert httpx.get(f"{server.url}/sandbox/health").json() == {"ok": True}
    assert httpx.get(f"{server.url}/oauth/token").status_code == 404  # the ORES path belongs to ORES only
    assert httpx.get(f"{server.ores_url}/oauth2/v3/token").status_code == 404
    control = httpx.post(f"{server.ores_url}/sandbox/control", json={"access_ttl_s": -1})
    assert control.status_code == 400 and "access_ttl_s" in control.json()["error_description"]
    assert "client_secret" not in httpx.get(f"{server.ores_url}/sandbox/control").json()


def test_tokens_outlive_a_sandbox_restart_but_not_tampering(server: SandboxServer) -> None:
    tokens = _tokens(server)
    with SandboxServer() as restarted:  # `make dev` after `make demo`: a new process, the stored tokens still work
        day = _day(date(2026, 11, 2))
        assert _curve(restarted, tokens["access_token"], "consumption", DEMO_EAN, **day).status_code == 200
        renewed = _token(restarted, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        assert renewed.status_code == 200
        assert _token(restarted, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).status_code == 400
        body, _, mac = tokens["access_token"].partition(".")
        forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
        assert _curve(restarted, forged, "consumption", DEMO_EAN, **day).status_code == 401
