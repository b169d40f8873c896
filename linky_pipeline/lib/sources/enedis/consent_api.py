"""The few Enedis calls the consent flow needs: direction probe (v5) and subscribed_services (2026).

They go through `EnedisClient.authorized`: the same transport, token cache and shared quota limiter as the
metering fetches, so a consent probe waits for the quota like any other call. authlib's RFC 6749 helpers build
the authorize URL (its httpx integration is deprecated in 1.9 in favour of httpx2, and Enedis needs no per-user
token exchange, so nothing here needs an OAuth client object).
"""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any, Final

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.sources.enedis.answers import error_code
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.quota import SUBSCRIBED_SERVICES
from linky_pipeline.lib.sources.errors import ConsentApiError, SourceConfigError
from linky_pipeline.lib.sources.quotas import QuotaBook
from linky_pipeline.lib.sources.ratelimit import RateLimiter
from linky_pipeline.lib.sources.results import json_or_none

APIS: Final = ("v5", "2026")
AUTHORIZE_PATHS: Final = {"v5": "/dataconnect/v1/oauth2/authorize", "2026": "/dataconnect/v2/oauth2/authorize"}
SUBSCRIBED_SERVICES_PATH: Final = "/subscribed_services/v1"
PROBE_PATHS: Final = {
    "consumption": "/metering_data_dc/v5/daily_consumption",
    "production": "/metering_data_dp/v5/daily_production",
}
WRONG_DIRECTION: Final = "ADAM-ERR0069"
KEPT_SERVICE_STATES: Final = frozenset({"ACTIF", "DEMANDE"})
SUBSCRIBED_SERVICES_ATTEMPTS: Final = 4


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
            raise SourceConfigError(f"missing environment variable(s): {', '.join(missing)}")
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
    """One consented (PRM, direction) with its consent window, state and the measure types it covers."""

    meter_id: str
    direction: str
    consent_start: datetime
    consent_end: datetime
    service_state: str | None = None
    measures: tuple[str, ...] = ()  # mesuresTypeCode of the services: CDC (curve), PMAX, IDX, ENERGIE, ITC…


def consent_url(config: EnedisConsentConfig, api: str, *, state: str, duration: str, redirect_uri: str) -> str:
    """The authorize URL the customer opens (duration must already be checked ≤ P3Y)."""
    if api not in APIS:
        raise SourceConfigError(f"api {api!r} is not one of {', '.join(APIS)}")
    url: str = prepare_grant_uri(  # authlib is untyped: it builds and returns the URI as a str
        config.authorize_base + AUTHORIZE_PATHS[api],
        client_id=config.client_id,
        response_type="code",
        redirect_uri=redirect_uri,
        state=state,
        duration=duration,
    )
    return url


def consent_client(config: EnedisConsentConfig, limiter: RateLimiter | QuotaBook | None = None) -> EnedisClient:
    """The client the consent calls go through (pass the shared quotas so they count on the APIs they hit)."""
    return EnedisClient(config.api_base, config.client_id, config.client_secret, limiter=limiter)


def _code(response: httpx.Response) -> str | None:
    return error_code(json_or_none(response.content))[0]


def probe_directions(client: EnedisClient, prm: str, today: date) -> tuple[str, ...]:
    """Which directions a v5 PRM has: a daily call for yesterday, ADAM-ERR0069 meaning "not this direction".

    Consumption is probed first; when it is not refused, production is probed too so that a self-consumption
    PRM gets both meters. Any other outcome (404 no data, 403, 5xx) keeps the consumption default.
    """
    params = {"usage_point_id": prm, "start": (today - timedelta(days=1)).isoformat(), "end": today.isoformat()}

    def probe(direction: str) -> httpx.Response:
        return client.authorized(
            "GET", PROBE_PATHS[direction], api=f"daily_{direction}", what=f"consent probe {direction}", params=params
        )

    consumption = probe("consumption")
    if consumption.status_code == 400 and _code(consumption) == WRONG_DIRECTION:
        return ("production",)
    response = probe("production")
    if response.status_code in (200, 404) and _code(response) != "STM-ERR-0000019":
        return ("consumption", "production")
    return ("consumption",)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def service_direction(service: Mapping[str, Any]) -> str | None:
    """soutirage (drawing) → consumption, injection → production: the service's flags, else its label or id."""
    if service.get("injection") is True and service.get("soutirage") is not True:
        return "production"
    if service.get("soutirage") is True and service.get("injection") is not True:
        return "consumption"
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


def _paris_midnight(value: object, field_name: str) -> datetime:
    try:
        day = date.fromisoformat(value)  # type: ignore[arg-type]  # anything else raises TypeError, handled
    except (TypeError, ValueError):
        raise ConsentApiError(f"subscribed_services {field_name} {value!r} is not a YYYY-MM-DD date") from None
    return datetime.combine(day, dtime(0), tzinfo=PARIS)


def service_state(service: Mapping[str, Any]) -> str | None:
    """The service's state code, or its authorisation block's (shapes differ between captures)."""
    for holder in (service, service.get("autorisation")):
        if isinstance(holder, dict):
            for key in ("etatCode", "etat", "statut", "status"):
                value = holder.get(key)
                if isinstance(value, str) and value.strip():
                    return value.strip().upper()
    return None


def _services(response: httpx.Response) -> list[Mapping[str, Any]] | None:
    """The serviceSouscrit list; None when the answer has none yet (null, empty, or no service with a pointId)."""
    try:
        body = response.json()
    except ValueError:
        raise ConsentApiError("subscribed_services answered a body that is not JSON") from None
    if not isinstance(body, dict) or ("serviceSouscrit" not in body and "services" not in body):
        raise ConsentApiError("subscribed_services answered without a serviceSouscrit field")
    services = body.get("serviceSouscrit", body.get("services"))
    if services is None:
        return None
    if not isinstance(services, list):
        raise ConsentApiError(
            f"subscribed_services answered serviceSouscrit as a {type(services).__name__}, not a list"
        )
    with_point: list[Mapping[str, Any]] = [
        s for s in services if isinstance(s, dict) and str(s.get("pointId") or "").strip()
    ]
    return with_point or None


def subscribed_services(
    client: EnedisClient,
    autorisation_id: str,
    *,
    attempts: int = SUBSCRIBED_SERVICES_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Grant]:
    """Resolve a 2026 autorisation_id to its (PRM, direction) grants, keeping ACTIF and DEMANDE services.

    Right after a consent the list can be empty or null: asked again `attempts` times, 1, 2, 4… s apart, then a
    ConsentApiError says no pointId came. Services of one PRM and direction are merged: their measure types
    together, the latest end date.
    """
    services: list[Mapping[str, Any]] | None = None
    for attempt in range(1, attempts + 1):
        response = client.authorized(
            "POST",
            SUBSCRIBED_SERVICES_PATH,
            api=SUBSCRIBED_SERVICES,
            what="subscribed_services",
            json_body={"autorisationId": autorisation_id, "comptage": False},
        )
        if response.status_code != 200:
            raise ConsentApiError(
                f"subscribed_services answered HTTP {response.status_code} "
                f"(error={_code(response)!r}) for the consent's autorisation_id"
            )
        services = _services(response)
        if services is not None:
            break
        if attempt < attempts:
            sleep(2.0 ** (attempt - 1))
    if services is None:
        raise ConsentApiError(
            f"subscribed_services listed no pointId for this consent after {attempts} attempts "
            f"({2 ** (attempts - 1) - 1} s apart in total): the consent is not active yet or was not given; "
            "complete `meters connect` again in a few minutes"
        )
    grants: dict[tuple[str, str], Grant] = {}
    for service in services:
        state = service_state(service)
        if state is not None and state not in KEPT_SERVICE_STATES:
            continue
        prm = str(service.get("pointId", "")).strip()
        direction = service_direction(service) or "consumption"
        start = _paris_midnight(service.get("dateDebut"), "dateDebut")
        end = _paris_midnight(service.get("dateFin"), "dateFin")
        measure = service.get("mesuresTypeCode")
        measures: tuple[str, ...] = (measure.strip().upper(),) if isinstance(measure, str) and measure.strip() else ()
        held = grants.get((prm, direction))
        if held is not None:
            measures = tuple(sorted(set(held.measures) | set(measures)))
            start, end = min(held.consent_start, start), max(held.consent_end, end)
            state = held.service_state or state
        grants[(prm, direction)] = Grant(prm, direction, start, end, state, tuple(sorted(measures)))
    if not grants:
        raise ConsentApiError("subscribed_services lists no ACTIF or DEMANDE service for this consent")
    return list(grants.values())
