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
    services = _services(client, "st-0")  # one service per measure type of the point
    assert [s["mesuresTypeCode"] for s in services] == ["CDC", "ENERGIE", "PMAX"]
    service = services[0]
    assert service["pointId"] == "22516914714270" and service["etatCode"] == "ACTIF" and service["mesuresPas"]
    assert service["dateDebut"] == "2026-11-23" and service["dateFin"] == "2027-11-23"
    assert service["serviceSouscritId"] and service["serviceSouscritLibelle"]
    assert (service["soutirage"], service["injection"]) == (True, False)
    assert service["autorisation"]["etatCode"] == "ACTIF"
    first_of_two = _services(client, "st-3", "P3Y")
    assert {s["pointId"] for s in first_of_two} == {"12345678901234"} and first_of_two[0]["dateFin"] == "2029-11-23"
    both = _services(client, "st-6")
    assert {s["pointId"] for s in both} == {"12655648759651"} and len(both) == 5
    assert {(s["injection"], s["mesuresTypeCode"]) for s in both} >= {(True, "CDC"), (False, "PMAX")}
    assert len({s["serviceSouscritId"] for s in both}) == 5


def test_right_after_consent_the_service_list_is_empty_then_null(client: httpx.Client) -> None:
    client.post("/sandbox/control", json={"subscribed_services_empty": 2})
    token = new_token(client)
    location = client.get(
        "/dataconnect/v2/oauth2/authorize",
        params={
            "client_id": "sandbox-client",
            "redirect_uri": "http://127.0.0.1:9/cb",
            "response_type": "code",
            "state": "st-0",
            "duration": "P1Y",
        },
    ).headers["location"]
    autorisation_id = parse_qs(urlsplit(location).query)["autorisation_id"][0]
    answers = [
        client.post(
            "/subscribed_services/v1",
            json={"autorisationId": autorisation_id, "comptage": False},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["serviceSouscrit"]
        for _ in range(3)
    ]
    assert answers[0] == [] and answers[1] is None and len(answers[2]) == 3


@pytest.mark.parametrize(
    ("prm", "activation_field", "activation", "power"),
    [
        (
            "22516914714270",
            "consumption_last_activation_date",
            "2015-01-01T00:00:00+01:00",
            {"value": "9", "unit": "kVA"},
        ),
        ("11453290002823", "consumption_last_activation_date", "2019-08-27T00:00:00+0200", "6 kVA"),  # PRM % 3 = 1
        ("64975835695673", "consumption_last_activation_date", "2015-01-01", 9.0),  # PRM % 3 = 2: wrapped
        ("10284856584123", "generation_last_activation_date", "2015-01-01T00:00:00+01:00", None),
    ],
)
def test_contract_summary_shapes_differ_like_the_captures(
    client: httpx.Client, prm: str, activation_field: str, activation: str, power: object
) -> None:
    headers = {"Authorization": f"Bearer {new_token(client)}"}
    response = client.get(f"/synth_contrat_auto/v1/{prm}", headers=headers)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/octet-stream"
    body = response.json()
    body = body.get("synthese_contrat", body)
    assert body[activation_field] == activation
    assert body.get("subscribed_power") == power
    assert client.get("/synth_contrat_auto/v1", params={"usage_point_id": prm}, headers=headers).status_code == 500
    assert client.get("/synth_contrat_auto/v1/00000000000000", headers=headers).status_code == 404


def test_subscribed_services_errors(client: httpx.Client) -> None:
    token = new_token(client)
    headers = {"Authorization": f"Bearer {token}"}
    unknown = client.post(
        "/subscribed_services/v1", json={"autorisationId": "nope", "comptage": False}, headers=headers
    )
    assert unknown.status_code == 404
    assert client.post("/subscribed_services/v1", json=[1], headers=headers).status_code == 400
    assert client.post("/subscribed_services/v1", json={"autorisationId": "nope"}).status_code == 401
