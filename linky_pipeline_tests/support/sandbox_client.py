"""Talking to the sandbox directly: its fixed test clock and a fresh bearer token."""

from __future__ import annotations

from datetime import date

import httpx

TODAY = date(2026, 11, 23)


def new_token(client: httpx.Client) -> str:
    """A fresh access token from the sandbox's token endpoint."""
    response = client.post(
        "/oauth2/v3/token",
        data={"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "sandbox-secret"},
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
