"""The one scrubber every provider error text goes through (issue 17 §4)."""

from __future__ import annotations

import pytest

from linky_pipeline.lib.sources.errors import ApiError, SourceParseError
from linky_pipeline.lib.sources.scrub import MASK, scrub, scrub_json

TOKEN = "q9Zx_3kLmN0pQrStUvWxYz-12345678AbCdEfGh"  # token_urlsafe(32)-shaped


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        (f"Header Authorization: Bearer {TOKEN} refused", "Header Authorization: ***", TOKEN),
        (f'{{"Authorization": "Bearer {TOKEN}"}}', '"Authorization": ***', TOKEN),
        (f"bearer {TOKEN}", "bearer ***", TOKEN),
        ("Basic c2FuZGJveC1jbGllbnQ6c2FuZGJveC1zZWNyZXQ=", "Basic ***", "c2FuZGJveC1jbGllbnQ6"),
        ("client_secret=hunter2&grant_type=client_credentials", "client_secret=***&grant_type=", "hunter2"),
        ('{"client_secret": "hunter2", "x": 1}', '"client_secret": "***"', "hunter2"),
        ("access_token=abc.def&expires_in=3", "access_token=***&expires_in=3", "abc.def"),
        ("refresh_token: rt-77 then", "refresh_token: *** then", "rt-77"),
        ("https://app/cb?code=AUTHCODE42&state=s1", "?code=***&state=s1", "AUTHCODE42"),
        ("autorisation_id=deadbeef", "autorisation_id=***", "deadbeef"),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln expired", "token *** expired", "eyJhbGciOi"),
        (f"unknown token {TOKEN}", "unknown token ***", TOKEN),
    ],
)
def test_secret_shapes_are_masked(text: str, kept: str, gone: str) -> None:
    cleaned = scrub(text)
    assert gone not in cleaned and kept in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "HTTP 400 code='ADAM-DC-0008': No consent can be found for this customer and this usage point.",
        "GET /mesure_synchrone_auto/v2/courbe_de_charge_consommation pointId=22516914714270 dateDebut=2026-11-01",
        "Quota Q3 reached Call threshold allowed on 0:00:01",
        "token: body is not a JSON object",
        "grandeur[0].points[12].v='-3': negative measurement",
    ],
)
def test_ordinary_diagnostics_are_kept(text: str) -> None:
    assert scrub(text) == text


def test_known_secrets_go_wherever_they_appear() -> None:
    assert scrub("the secret sandbox-secret leaked, twice: sandbox-secret", ["sandbox-secret"]) == (
        f"the secret {MASK} leaked, twice: {MASK}"
    )


def test_json_bodies_keep_their_keys_and_lose_the_secrets() -> None:
    body = {"error": "invalid_request", "error_description": f"Bearer {TOKEN}", "n": [1, f"access_token={TOKEN}"]}
    assert scrub_json(body) == {
        "error": "invalid_request",
        "error_description": "Bearer ***",
        "n": [1, "access_token=***"],
    }


def test_every_source_error_is_scrubbed_at_construction() -> None:
    api = ApiError(400, "invalid_request", f"daily_consumption: Authorization: Bearer {TOKEN}")
    parse = SourceParseError("error_description", f"echo {TOKEN}", "unexpected")
    for exc in (api, parse):
        assert TOKEN not in str(exc) and TOKEN not in repr(exc) and TOKEN not in repr(exc.args)
    assert parse.value == "echo ***"


def test_a_consent_refusal_redirect_echoing_a_code_is_scrubbed() -> None:
    from linky_pipeline.lib.consent.errors import ConsentRefusedError

    refused = ConsentRefusedError("access_denied", f"denied for https://app/cb?code=C0DE-1&access_token={TOKEN}")
    assert "C0DE-1" not in str(refused) and TOKEN not in str(refused) and "access_denied" in str(refused)
