"""Consent redirects (v5 and 2026) and Services souscrits over real HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from linky_pipeline.sandbox import SandboxServer
from linky_pipeline_tests.support.sandbox_client import new_token

REDIRECT = "http://127.0.0.1:8765/oauth/callback"


def _authorize(client: httpx.Client, version: int, **overrides: str) -> httpx.Response:
    params = {
        "client_id": "sandbox-client",
        "response_type": "code",
        "state": "s1gned-7",
        "duration": "P3Y",
        "redirect_uri": REDIRECT,
        **overrides,
    }
    return client.get(f"/dataconnect/v{version}/oauth2/authorize", params=params, follow_redirects=False)


def _query(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def client(server: SandboxServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10)


@pytest.mark.parametrize(
    ("state", "prms"),
    [
        ("abc0", "22516914714270"),
        ("xyz3", "12345678901234;10284856584123"),
        ("s1gned-7", "64975835695673;63695879465986;22315546958763"),
        ("no-digit", "22516914714270"),
        ("9", "99999999999991"),
    ],
)
def test_v5_redirect_carries_code_state_and_prms(client: httpx.Client, state: str, prms: str) -> None:
    query = _query(_authorize(client, 1, state=state))
    assert query["state"] == state
    assert query["usage_point_id"] == prms
    assert len(query["code"]) >= 20


def test_duration_over_three_years_is_refused(client: httpx.Client) -> None:
    for version in (1, 2):
        query = _query(_authorize(client, version, duration="P37M", state="abc4"))
        assert query == {"error": "invalid_request", "error_description": "maximum_duration_exceeded", "state": "abc4"}
    assert "code" in _query(_authorize(client, 1, duration="P36M"))


def test_bad_authorize_requests(client: httpx.Client) -> None:
    assert _authorize(client, 1, client_id="someone-else").status_code == 400
    assert _authorize(client, 2, client_id="someone-else").status_code == 400
    assert _authorize(client, 1, redirect_uri="not a url").status_code == 400
    assert _authorize(client, 1, response_type="token").status_code == 400


def _services(client: httpx.Client, state: str, duration: str = "P1Y") -> list[dict[str, str]]:
    query = _query(_authorize(client, 2, state=state, duration=duration))
    assert set(query) == {"autorisation_id", "state"} and query["state"] == state
    token = new_token(client)
    response = client.post(
        "/subscribed_services/v1",
        json={"autorisationId": query["autorisation_id"], "comptage": False},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["serviceSouscrit"]


def test_2026_consent_then_subscribed_services(client: httpx.Client) -> None:
    (service,) = _services(client, "st-0")
    assert service["pointId"] == "22516914714270" and service["etatCode"] == "ACTIF"
    assert service["dateDebut"] == "2026-11-23" and service["dateFin"] == "2027-11-23"
    assert service["serviceSouscritId"] and service["serviceSouscritLibelle"]
    (first_of_two,) = _services(client, "st-3", "P3Y")
    assert first_of_two["pointId"] == "12345678901234" and first_of_two["dateFin"] == "2029-11-23"
    both = _services(client, "st-6")
    assert [s["pointId"] for s in both] == ["12655648759651", "12655648759651"]
    assert len({s["serviceSouscritId"] for s in both}) == 2


def test_subscribed_services_errors(client: httpx.Client) -> None:
    token = new_token(client)
    headers = {"Authorization": f"Bearer {token}"}
    unknown = client.post(
        "/subscribed_services/v1", json={"autorisationId": "nope", "comptage": False}, headers=headers
    )
    assert unknown.status_code == 404
    assert client.post("/subscribed_services/v1", json=[1], headers=headers).status_code == 400
    assert client.post("/subscribed_services/v1", json={"autorisationId": "nope"}).status_code == 401
