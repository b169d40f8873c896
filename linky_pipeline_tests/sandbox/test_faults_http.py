"""Tokens, quotas, fault switches, withheld days, control and stats endpoints over real HTTP."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from linky_pipeline.sandbox import SandboxServer, SandboxSettings
from linky_pipeline_tests.support.sandbox_client import TODAY, new_token

pytestmark = pytest.mark.http

PRM = "22516914714270"
DC = "/metering_data_dc/v5/daily_consumption"
CLC = "/metering_data_clc/v5/consumption_load_curve"
WEEK = {"usage_point_id": PRM, "start": "2026-11-02", "end": "2026-11-09"}


@pytest.fixture
def client(fresh_server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fresh_server.url, timeout=10) as c:
        yield c


def _control(client: httpx.Client, **changes: object) -> httpx.Response:
    return client.post("/sandbox/control", json=changes)


def test_token_basic_auth_and_bad_credentials(client: httpx.Client) -> None:
    basic = base64.b64encode(b"sandbox-client:sandbox-secret").decode()
    ok = client.post(
        "/oauth2/v3/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert ok.status_code == 200
    body = ok.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == "12600" and body["scope"]
    bad = client.post(
        "/oauth2/v3/token",
        data={"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "wrong"},
    )
    assert bad.status_code == 401
    assert bad.json()["error"] == "invalid_client"
    assert "wrong" not in bad.text and "sandbox-secret" not in bad.text


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc"])
def test_data_calls_need_a_known_token(client: httpx.Client, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get(DC, params=WEEK, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_expired_token(client: httpx.Client) -> None:
    _control(client, token_ttl_s=0)
    token = new_token(client)
    response = client.get(DC, params=WEEK, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    _control(client, token_ttl_s=12600)
    assert client.get(DC, params=WEEK, headers={"Authorization": f"Bearer {new_token(client)}"}).status_code == 200


def test_q3_per_second_quota(client: httpx.Client) -> None:
    client.headers["Authorization"] = f"Bearer {new_token(client)}"
    statuses = []
    last = None
    for _ in range(6):
        last = client.get(DC, params=WEEK)
        statuses.append(last.status_code)
    # Six calls cannot take a whole second each here; the sixth inside the window is refused.
    assert statuses.count(429) >= 1 and statuses[:5] == [200] * 5
    refused = next(r for r in [last] if r is not None and r.status_code == 429)
    assert refused.headers["Retry-After"] == "1"
    assert refused.json() == {"error": "429", "error_description": "Quota Q3 reached Call threshold allowed on 0:00:01"}


def test_q4_hourly_quota_wso2_body_reopens_on_the_hour(client: httpx.Client) -> None:
    _control(client, quota_per_hour=3, quota_per_second=1000)
    client.headers["Authorization"] = f"Bearer {new_token(client)}"
    assert [client.get(DC, params=WEEK).status_code for _ in range(3)] == [200, 200, 200]
    before = datetime.now(UTC)
    refused = client.get(DC, params=WEEK)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "900804" and body["message"] == "Message throttled out"
    assert body["description"] == f"You have exceeded your quota .You can access API after {body['nextAccessTime']}"
    next_hour = before.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    assert body["nextAccessTime"] == next_hour.strftime("%Y-%b-%d %H:00:00+0000 UTC")  # a fixed, aligned window
    assert abs(int(refused.headers["Retry-After"]) - (next_hour - before).total_seconds()) <= 2
    client.post("/sandbox/stats/reset")
    assert client.get(DC, params=WEEK).status_code == 200


def test_quotas_are_per_api(client: httpx.Client) -> None:
    _control(client, quota_per_hour=2, quota_per_second=1000)
    client.headers["Authorization"] = f"Bearer {new_token(client)}"
    curve = {"usage_point_id": PRM, "start": "2026-11-02", "end": "2026-11-03"}
    assert [client.get(DC, params=WEEK).status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get(CLC, params=curve).status_code for _ in range(2)] == [200, 200]  # its own hour
    v2 = {"pointId": PRM, "dateDebut": "2026-11-02", "dateFin": "2026-11-09"}
    same_api = client.get("/mesure_synchrone_auto/v2/consommation_quotidienne", params=v2)
    assert same_api.status_code == 429  # daily consumption is one API whatever generation reaches it
    quota = client.get("/sandbox/quota").json()
    assert quota["used_this_hour"] == {"consumption_load_curve": 2, "daily_consumption": 2}
    assert quota["refused"] == {"daily_consumption": 2} and quota["per_hour"] == 2


def test_a_scaled_clock_runs_an_hour_of_quota_in_a_fraction_of_a_second(client: httpx.Client) -> None:
    _control(client, quota_per_hour=4, quota_per_second=1000, time_scale=3600 * 5)  # an "hour" lasts 0.2 s
    client.headers["Authorization"] = f"Bearer {new_token(client)}"
    statuses: list[int] = []
    deadline = time.monotonic() + 1.0
    refused: httpx.Response | None = None
    while time.monotonic() < deadline:
        response = client.get(DC, params=WEEK)
        statuses.append(response.status_code)
        if response.status_code == 429 and refused is None:
            refused = response
    assert refused is not None and statuses.count(429) > 0
    ok = statuses.count(200)
    assert 4 * 4 <= ok <= 4 * 6  # five or six 0.2-s windows of 4 calls in one second (edges partly covered)
    assert 0 < float(refused.headers["Retry-After"]) <= 0.2 and "." in refused.headers["Retry-After"]
    assert re.fullmatch(r"\d{4}-\w{3}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\+0000 UTC", refused.json()["nextAccessTime"])


def _statuses(server_seed: int, error_rate: float, n: int) -> list[tuple[int, bytes]]:
    settings = SandboxSettings(today=TODAY, quota_per_second=100_000, error_rate=error_rate, seed=server_seed)
    with SandboxServer(settings=settings) as srv, httpx.Client(base_url=srv.url) as c:
        c.headers["Authorization"] = f"Bearer {new_token(c)}"
        days = [f"2026-10-{d:02d}" for d in range(1, n + 1)]
        return [
            (r.status_code, r.content)
            for r in (c.get(DC, params={"usage_point_id": PRM, "start": d, "end": "2026-11-01"}) for d in days)
        ]


def test_error_rate_is_deterministic_per_seed() -> None:
    first = _statuses(7, 0.4, 20)
    assert first == _statuses(7, 0.4, 20)
    codes = [s for s, _ in first]
    assert {200, 500} <= set(codes) or {200, 503} <= set(codes)
    assert [s for s, _ in _statuses(8, 0.4, 20)] != codes
    for status, content in first:
        if status == 500:
            assert json.loads(content) == {
                "error": "technical_error",
                "error_description": "Technical error. Please try later.",
            }
        if status == 503:
            assert content == b""


def test_retry_of_the_same_request_gets_a_new_draw(client: httpx.Client) -> None:
    _control(client, error_rate=0.5, quota_per_second=100_000, seed=3)
    client.headers["Authorization"] = f"Bearer {new_token(client)}"
    statuses = [client.get(DC, params=WEEK).status_code for _ in range(20)]
    assert 200 in statuses and ({500, 503} & set(statuses))


def test_malformed_rate_truncates_json(client: httpx.Client) -> None:
    _control(client, malformed_rate=1.0)
    client.headers["Authorization"] = f"Bearer {new_token(client)}"
    response = client.get(DC, params=WEEK)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert response.content.startswith(b'{"meter_reading":')


def test_withheld_days_appear_after_removal(client: httpx.Client) -> None:
    _control(client, withheld_days=[{"usage_point_id": PRM, "day": "2026-11-04"}], quota_per_second=1000)
    client.headers["Authorization"] = f"Bearer {new_token(client)}"
    daily = client.get(DC, params=WEEK).json()["meter_reading"]["interval_reading"]
    assert "2026-11-04" not in [p["date"] for p in daily] and len(daily) == 6
    one_day = client.get(CLC, params={"usage_point_id": PRM, "start": "2026-11-04", "end": "2026-11-05"})
    assert one_day.status_code == 404 and one_day.json()["error"] == "no_data_found"
    _control(client, withheld_days=[])
    daily = client.get(DC, params=WEEK).json()["meter_reading"]["interval_reading"]
    assert "2026-11-04" in [p["date"] for p in daily] and len(daily) == 7


def test_today_moves_publication(client: httpx.Client) -> None:
    _control(client, today="2026-11-05")
    client.headers["Authorization"] = f"Bearer {new_token(client)}"
    assert client.get(DC, params=WEEK).json()["error"] == "Invalid_request"
    ok = client.get(DC, params={**WEEK, "end": "2026-11-05"}).json()["meter_reading"]["interval_reading"]
    assert ok[-1]["date"] == "2026-11-04"


def test_activation_error_inside_the_window(client: httpx.Client) -> None:
    _control(client, today="2021-06-01")
    client.headers["Authorization"] = f"Bearer {new_token(client)}"
    before = client.get(DC, params={"usage_point_id": "11453290002823", "start": "2019-08-20", "end": "2019-09-01"})
    assert before.status_code == 400 and before.json()["error"] == "ADAM-ERR0123"
    after = client.get(DC, params={"usage_point_id": "11453290002823", "start": "2019-08-27", "end": "2019-09-01"})
    assert after.status_code == 200


def test_control_validation_and_settings_view(client: httpx.Client) -> None:
    for bad in (
        {"error_rate": 2},
        {"nope": 1},
        {"today": "23/11/2026"},
        {"latency_ms": "5"},
        {"withheld_days": [{"usage_point_id": "1", "day": "2026-01-01"}]},
    ):
        response = client.post("/sandbox/control", json=bad)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
    view = _control(client, latency_ms=5, error_rate=0.0).json()
    assert view["latency_ms"] == 5 and view["today"] == TODAY.isoformat()
    assert "client_secret" not in view and "sandbox-secret" not in json.dumps(view)
    assert client.get("/sandbox/health").json() == {"ok": True}


def test_stats_count_calls_and_reset(client: httpx.Client) -> None:
    token = new_token(client)
    client.get(DC, params=WEEK, headers={"Authorization": f"Bearer {token}"})
    client.get(DC, params={**WEEK, "usage_point_id": "12345678901234"}, headers={"Authorization": f"Bearer {token}"})
    stats = client.get("/sandbox/stats").json()
    assert stats["calls"] == {"/oauth2/v3/token": 1, DC: 2}
    assert stats["calls_by_prm"] == {PRM: 1, "12345678901234": 1}
    assert stats["total"] == 3
    assert client.post("/sandbox/stats/reset").json()["total"] == 0


def test_anomalies_endpoint(client: httpx.Client) -> None:
    everything = client.get("/sandbox/anomalies", params={"usage_point_id": PRM, "direction": "consumption"}).json()
    found = everything["anomalies"]
    assert 25 <= len(found) <= 50  # ~1 per month over the 36 months + 15 days the API serves
    assert all(a["usage_point_id"] == PRM and a["direction"] == "consumption" for a in found)
    interval = next(a for a in found if a["granularity"] == "interval")
    assert interval["interval_s"] == 1800 and interval["start"].endswith("Z")
    day = next(a for a in found if a["granularity"] == "day")
    assert set(day) == {"usage_point_id", "direction", "granularity", "local_day", "factor"}
    window = client.get(
        "/sandbox/anomalies", params={"usage_point_id": PRM, "start": "2026-01-01", "end": "2026-07-01"}
    ).json()["anomalies"]
    assert window == [a for a in found if "2026-01-01" <= a["local_day"] < "2026-07-01"]
    both = client.get("/sandbox/anomalies", params={"usage_point_id": "12655648759651"}).json()["anomalies"]
    assert {a["direction"] for a in both} == {"consumption", "production"}
    assert client.get("/sandbox/anomalies", params={"usage_point_id": "1"}).status_code == 400


def test_empty_days_answer_200_without_their_points(client: httpx.Client) -> None:
    _control(client, empty_days=[{"usage_point_id": PRM, "day": "2026-11-03"}])
    client.headers["Authorization"] = f"Bearer {new_token(client)}"
    week = client.get(DC, params=WEEK).json()["meter_reading"]["interval_reading"]
    assert "2026-11-03" not in [p["date"] for p in week] and len(week) == 6
    one_day = {"pointId": PRM, "dateDebut": "2026-11-03", "dateFin": "2026-11-04"}
    empty = client.get("/mesure_synchrone_auto/v2/courbe_de_charge_consommation", params=one_day)
    assert empty.status_code == 200 and empty.json()["grandeur"][0]["points"] == []
    assert client.get("/sandbox/control").json()["empty_days"] == [{"usage_point_id": PRM, "day": "2026-11-03"}]
    assert _control(client, empty_days=[{"usage_point_id": "12", "day": "2026-11-03"}]).status_code == 400
