"""The few Enedis calls the consent flow needs: token, direction probe (v5), subscribed_services (2026).

Plain httpx for transport and authlib's RFC 6749 helpers for the OAuth parameters: authlib 1.9 deprecates its
httpx integration in favour of httpx2, and Enedis v5/2026 need no per-user token exchange, so nothing here
needs an OAuth client object.
"""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any, Final

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request

from linky_pipeline.lib.consent.errors import ConsentConfigError, ProviderError
from linky_pipeline.lib.localtime import PARIS

APIS: Final = ("v5", "2026")
AUTHORIZE_PATHS: Final = {"v5": "/dataconnect/v1/oauth2/authorize", "2026": "/dataconnect/v2/oauth2/authorize"}
TOKEN_PATH: Final = "/oauth2/v3/token"  # noqa: S105 (a path, not a secret)
SUBSCRIBED_SERVICES_PATH: Final = "/subscribed_services/v1"
PROBE_PATHS: Final = {
    "consumption": "/metering_data_dc/v5/daily_consumption",
    "production": "/metering_data_dp/v5/daily_production",
}
WRONG_DIRECTION: Final = "ADAM-ERR0069"
KEPT_SERVICE_STATES: Final = frozenset({"ACTIF", "DEMANDE"})
RETRIES: Final = 4
MAX_WAIT_S: Final = 10.0


@dataclass(frozen=True)
class EnedisConsentConfig:
    """Application credentials and hosts; the secret is excluded from repr."""

    client_id: str
    client_secret: str = field(repr=False)
    api_base: str
    authorize_base: str
    redirect_uri: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EnedisConsentConfig:
        env = os.environ if environ is None else environ
        missing = [
            n
            for n in ("LINKY_ENEDIS_CLIENT_ID", "LINKY_ENEDIS_CLIENT_SECRET", "LINKY_ENEDIS_API_BASE")
            if not env.get(n, "").strip()
        ]
        if missing:
            raise ConsentConfigError(f"missing environment variable(s): {', '.join(missing)}")
        api_base = env["LINKY_ENEDIS_API_BASE"].strip().rstrip("/")
        return cls(
            client_id=env["LINKY_ENEDIS_CLIENT_ID"].strip(),
            client_secret=env["LINKY_ENEDIS_CLIENT_SECRET"].strip(),
            api_base=api_base,
            authorize_base=(env.get("LINKY_ENEDIS_AUTHORIZE_BASE", "").strip() or api_base).rstrip("/"),
            redirect_uri=env.get("LINKY_ENEDIS_REDIRECT_URI", "").strip() or None,
        )


@dataclass(frozen=True, slots=True)
class Grant:
    """One consented (PRM, direction) with its consent window."""

    meter_id: str
    direction: str
    consent_start: datetime
    consent_end: datetime
    service_state: str | None = None


def consent_url(config: EnedisConsentConfig, api: str, *, state: str, duration: str, redirect_uri: str) -> str:
    """The authorize URL the customer opens (duration must already be checked ≤ P3Y)."""
    if api not in APIS:
        raise ConsentConfigError(f"api {api!r} is not one of {', '.join(APIS)}")
    return prepare_grant_uri(
        config.authorize_base + AUTHORIZE_PATHS[api],
        client_id=config.client_id,
        response_type="code",
        redirect_uri=redirect_uri,
        state=state,
        duration=duration,
    )


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        code = body.get("error") or body.get("code")
        return str(code) if code is not None else None
    return None


def _send(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    """Send with a short retry on 429 (Retry-After) and 5xx: consent is interactive, not a backfill."""
    response = client.send(request)
    for attempt in range(1, RETRIES):
        if response.status_code != 429 and response.status_code < 500:
            break
        try:
            wait = float(response.headers.get("Retry-After", ""))
        except ValueError:
            wait = 0.5 * 2**attempt
        time.sleep(min(max(wait, 0.1), MAX_WAIT_S))
        response = client.send(request)
    return response


def fetch_token(client: httpx.Client, config: EnedisConsentConfig) -> str:
    """Application token (client_credentials); errors name the status and code, never the secret."""
    body = prepare_token_request("client_credentials", client_id=config.client_id, client_secret=config.client_secret)
    request = client.build_request(
        "POST",
        config.api_base + TOKEN_PATH,
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    response = _send(client, request)
    if response.status_code != 200:
        raise ProviderError(
            f"token endpoint answered HTTP {response.status_code} "
            f"(error={_error_code(response)!r}) for client_id {config.client_id!r}"
        )
    try:
        token = response.json()["access_token"]
    except (ValueError, KeyError, TypeError):
        raise ProviderError("token endpoint answered without an access_token") from None
    return str(token)


def _get(client: httpx.Client, url: str, token: str, params: Mapping[str, str]) -> httpx.Response:
    request = client.build_request(
        "GET", url, params=dict(params), headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    return _send(client, request)


def probe_directions(
    client: httpx.Client, config: EnedisConsentConfig, token: str, prm: str, today: date
) -> tuple[str, ...]:
    """Which directions a v5 PRM has: a daily call for yesterday, ADAM-ERR0069 meaning "not this direction".

    Consumption is probed first; when it is not refused, production is probed too so that a self-consumption
    PRM gets both meters. Any other outcome (404 no data, 403, 5xx) keeps the consumption default.
    """
    params = {"usage_point_id": prm, "start": (today - timedelta(days=1)).isoformat(), "end": today.isoformat()}

    def refused(direction: str) -> bool:
        response = _get(client, config.api_base + PROBE_PATHS[direction], token, params)
        return response.status_code == 400 and _error_code(response) == WRONG_DIRECTION

    if refused("consumption"):
        return ("production",)
    response = _get(client, config.api_base + PROBE_PATHS["production"], token, params)
    if response.status_code in (200, 404) and _error_code(response) != "STM-ERR-0000019":
        return ("consumption", "production")
    return ("consumption",)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def service_direction(service: Mapping[str, Any]) -> str | None:
    """soutirage (drawing) → consumption, injection → production, from the service's label or id."""
    text = _fold(
        " ".join(
            str(service.get(k, "")) for k in ("serviceSouscritLibelle", "serviceSouscritId", "serviceSouscritType")
        )
    )
    if "injection" in text or "production" in text:
        return "production"
    if "soutirage" in text or "consommation" in text:
        return "consumption"
    return None


def _paris_midnight(value: str, field_name: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ProviderError(f"subscribed_services {field_name} {value!r} is not a YYYY-MM-DD date") from None
    return datetime.combine(day, dtime(0), tzinfo=PARIS)


def subscribed_services(
    client: httpx.Client, config: EnedisConsentConfig, token: str, autorisation_id: str
) -> list[Grant]:
    """Resolve a 2026 autorisation_id to its (PRM, direction) grants, keeping ACTIF and DEMANDE services."""
    request = client.build_request(
        "POST",
        config.api_base + SUBSCRIBED_SERVICES_PATH,
        json={"autorisationId": autorisation_id, "comptage": False},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    response = _send(client, request)
    if response.status_code != 200:
        raise ProviderError(
            f"subscribed_services answered HTTP {response.status_code} "
            f"(error={_error_code(response)!r}) for the consent's autorisation_id"
        )
    try:
        services = response.json()["serviceSouscrit"]
        assert isinstance(services, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise ProviderError("subscribed_services answered without a serviceSouscrit list") from None
    grants: dict[tuple[str, str], Grant] = {}
    for service in services:
        state = str(service.get("etatCode", ""))
        if state not in KEPT_SERVICE_STATES:
            continue
        prm = str(service.get("pointId", ""))
        direction = service_direction(service) or "consumption"
        start = _paris_midnight(service.get("dateDebut"), "dateDebut")
        end = _paris_midnight(service.get("dateFin"), "dateFin")
        grants.setdefault((prm, direction), Grant(prm, direction, start, end, state))
    if not grants:
        raise ProviderError("subscribed_services lists no ACTIF or DEMANDE service for this consent")
    return list(grants.values())
