"""Consent redirects (v5 and 2026) and the 2026 Services souscrits lookup."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

from linky_pipeline.sandbox.metering import ApiError, months_before
from linky_pipeline.sandbox.meters import METERS, customer_for_state
from linky_pipeline.sandbox.settings import SandboxSettings

_DURATION: Final = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
MAX_YEARS: Final = 3


def add_duration(start: date, duration: str) -> date:
    """`start` plus an ISO-8601 date duration such as P3Y, P36M or P1Y6M10D."""
    match = _DURATION.match(duration)
    if match is None or duration == "P":
        raise ValueError(f"duration {duration!r} is not an ISO-8601 date duration")
    years, months, weeks, days = (int(g or 0) for g in match.groups())
    shifted = months_before(start, -(years * 12 + months))
    return shifted + timedelta(days=weeks * 7 + days)


@dataclass(frozen=True)
class Consent:
    """A 2026 consent: one PRM, its service window."""

    prm: str
    date_debut: date
    date_fin: date


class ConsentStore:
    """2026 autorisation ids handed out by the authorize redirect, and how often each was looked up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._consents: dict[str, Consent] = {}
        self._lookups: dict[str, int] = {}

    def lookup(self, autorisation_id: str) -> int:
        """Count one subscribed_services call for the id; returns how many came before it."""
        with self._lock:
            seen = self._lookups.get(autorisation_id, 0)
            self._lookups[autorisation_id] = seen + 1
        return seen

    def add(self, consent: Consent) -> str:
        """Store a consent and return its new autorisation id."""
        autorisation_id = secrets.token_hex(16)
        with self._lock:
            self._consents[autorisation_id] = consent
        return autorisation_id

    def get(self, autorisation_id: str) -> Consent | None:
        """The consent behind an id, or None."""
        with self._lock:
            return self._consents.get(autorisation_id)


def _redirect(redirect_uri: str, params: dict[str, str]) -> str:
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return f"{redirect_uri}{separator}{urlencode(params, safe=';')}"


def authorize(params: Mapping[str, str], settings: SandboxSettings, store: ConsentStore, v2: bool) -> str:
    """Validate an authorize request and return the Location of the 302 back to the app."""
    if params.get("client_id") != settings.client_id:
        raise ApiError(400, "invalid_client", "client_id is unknown")
    redirect_uri = params.get("redirect_uri", "")
    if urlsplit(redirect_uri).scheme not in ("http", "https"):
        raise ApiError(400, "invalid_request", f"redirect_uri must be an absolute http(s) URL, got {redirect_uri!r}")
    if params.get("response_type") != "code":
        raise ApiError(400, "unsupported_response_type", "response_type must be code")
    state = params.get("state", "")
    if not state or len(state) > 100:
        raise ApiError(400, "invalid_request", "state is required (at most 100 characters)")
    today = settings.effective_today()
    try:
        consent_end = add_duration(today, params.get("duration", ""))
    except ValueError:
        return _redirect(
            redirect_uri, {"error": "invalid_request", "error_description": "invalid_duration", "state": state}
        )
    if consent_end > months_before(today, -12 * MAX_YEARS):
        return _redirect(
            redirect_uri,
            {"error": "invalid_request", "error_description": "maximum_duration_exceeded", "state": state},
        )
    prms = customer_for_state(state)
    if not v2:
        code = secrets.token_urlsafe(24)
        return _redirect(redirect_uri, {"code": code, "state": state, "usage_point_id": ";".join(prms)})
    autorisation_id = store.add(Consent(prms[0], today, consent_end))
    return _redirect(redirect_uri, {"autorisation_id": autorisation_id, "state": state})


MEASURES: Final = {
    "consumption": (("CDC", "PT30M"), ("ENERGIE", "P1D"), ("PMAX", "P1D")),
    "production": (("CDC", "PT30M"), ("ENERGIE", "P1D")),
}


def subscribed_services(body: Any, store: ConsentStore, settings: SandboxSettings) -> dict[str, Any]:
    """Answer POST /subscribed_services/v1 for {"autorisationId", "comptage"}: one service per direction and
    measure type. The first `subscribed_services_empty` calls for an id answer an empty list, then null
    (Enedis right after a consent)."""
    if not isinstance(body, dict) or not isinstance(body.get("autorisationId"), str):
        raise ApiError(400, "invalid_request", "body must be a JSON object with a string autorisationId")
    consent = store.get(body["autorisationId"])
    if consent is None:
        raise ApiError(404, "not_found", "autorisationId is unknown")
    seen = store.lookup(body["autorisationId"])
    if seen < settings.subscribed_services_empty:
        return {"nbTotalServices": 0, "serviceSouscrit": [] if seen % 2 == 0 else None}
    spec = METERS[consent.prm]
    services = []
    for direction in spec.directions:
        label = "soutirage" if direction == "consumption" else "injection"
        for measure, step in MEASURES[direction]:
            ident = hashlib.sha256(f"{body['autorisationId']}|{direction}|{measure}".encode()).hexdigest()[:12]
            services.append(
                {
                    "id": f"SS{ident.upper()}",
                    "pointId": consent.prm,
                    "soutirage": direction == "consumption",
                    "injection": direction == "production",
                    "etatCode": "ACTIF",
                    "etatLibelle": "Actif",
                    "serviceSouscritId": f"SS{ident.upper()}",
                    "serviceSouscritLibelle": f"Consultation des mesures ({label})",
                    "mesuresTypeCode": measure,
                    "mesuresPas": step,
                    "dateDebut": consent.date_debut.isoformat(),
                    "dateFin": consent.date_fin.isoformat(),
                    "autorisation": {"autorisationId": body["autorisationId"], "etatCode": "ACTIF"},
                }
            )
    return {"nbTotalServices": len(services), "serviceSouscrit": services}
