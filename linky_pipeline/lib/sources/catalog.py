"""The providers this installation knows, looked up by a meter's `provider` code.

The one place that lists the implementations (and builds their consent side from the environment); shared code
asks it instead of naming a provider.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Final

import pandas as pd

from linky_pipeline.lib.sources.belgium.provider import BELGIAN_CSV
from linky_pipeline.lib.sources.consent import ConsentApi
from linky_pipeline.lib.sources.enedis.consent import EnedisConsent
from linky_pipeline.lib.sources.enedis.consent_api import EnedisConsentConfig
from linky_pipeline.lib.sources.enedis.provider import ENEDIS
from linky_pipeline.lib.sources.enedis.quota import shared_quotas
from linky_pipeline.lib.sources.errors import SourceConfigError, WindowError
from linky_pipeline.lib.sources.ores.consent import OresConsent
from linky_pipeline.lib.sources.ores.provider import ORES
from linky_pipeline.lib.sources.ores.settings import OresSettings
from linky_pipeline.lib.sources.plausibility import Checked, PlausibilityBounds, check_frame
from linky_pipeline.lib.sources.provider import Provider
from linky_pipeline.lib.sources.ratelimit import PostgresRateLimiter

PROVIDERS: Final[dict[str, Provider]] = {p.name: p for p in (ENEDIS, ORES, BELGIAN_CSV)}
_BY_API_VERSION: Final[dict[str, Provider]] = {v: p for p in PROVIDERS.values() for v in p.api_versions}
# interval-energy endpoints the readings table is built from (API load curves and imported files)
READING_ENDPOINTS: Final = ("consumption_load_curve", "production_load_curve", "quarter_hour_csv")
DAILY_ENDPOINTS: Final = {"consumption": "daily_consumption", "production": "daily_production"}
MAX_POWER_ENDPOINT: Final = "daily_consumption_max_power"


def provider(name: str) -> Provider:
    """The provider of a meter (`meters.provider`)."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise WindowError(f"provider={name!r}: unknown, expected one of {sorted(PROVIDERS)}") from None


def curve_endpoint(direction: str) -> str:
    return f"{direction}_load_curve"


def check_landed(
    endpoint: str, api_version: str, payload: Mapping[str, Any], meter_id: str, bounds: PlausibilityBounds | None = None
) -> Checked:
    """A landed answer parsed by the provider that wrote it (its api_version says which), split into the points the
    warehouse may use and the implausible ones (lib/sources/plausibility.py)."""
    try:
        owner = _BY_API_VERSION[api_version]
    except KeyError:
        raise WindowError(f"api_version={api_version!r}: no provider parses it") from None
    frame = owner.parse_landed(endpoint, api_version, payload, meter_id)
    return check_frame(owner.endpoint(endpoint).kind, frame, bounds)


def parse_landed(
    endpoint: str, api_version: str, payload: Mapping[str, Any], meter_id: str, bounds: PlausibilityBounds | None = None
) -> pd.DataFrame:
    """The plausible points of a landed answer: every table reads landed answers through here, so a value no meter
    can measure never reaches the warehouse, whenever it was landed (the landing quarantined and reported it)."""
    return check_landed(endpoint, api_version, payload, meter_id, bounds).plausible


def history_start(today: date) -> date:
    """Earliest day any provider serves history for (the daily horizon): where a full backfill begins."""
    return min(
        p.horizon_start(e, today)
        for p in PROVIDERS.values()
        for d in ("consumption", "production")
        for e in p.endpoints_for(d)
    )


# providers whose meters are fetched from an API (the others' data is imported)
FETCHED_PROVIDERS: Final = sorted(
    name for name, p in PROVIDERS.items() if p.endpoints_for("consumption") or p.endpoints_for("production")
)


def _enedis_consent(env: Mapping[str, str], conninfo: str | None, building: str) -> ConsentApi:  # noqa: ARG001
    """Consent calls count against the application's shared quota of the API they hit."""
    return EnedisConsent(EnedisConsentConfig.from_env(env), limiter=shared_quotas(conninfo) if conninfo else None)


def _ores_consent(env: Mapping[str, str], conninfo: str | None, building: str) -> ConsentApi:
    """Consent probes count against the building's quota."""
    settings = OresSettings.from_env(env)
    key = ORES.quota.key(ORES.name, building)
    limiter = (
        PostgresRateLimiter(conninfo, key, settings.calls_per_second, settings.calls_per_hour) if conninfo else None
    )
    return OresConsent(settings, limiter=limiter)


_CONSENTS: Final[dict[str, Callable[[Mapping[str, str], str | None, str], ConsentApi]]] = {
    ENEDIS.name: _enedis_consent,
    ORES.name: _ores_consent,
}
_VARIANTS: Final = {ENEDIS.name: EnedisConsent.variants, ORES.name: OresConsent.variants}
# providers whose meters are connected by a customer consent (`meters connect --provider …`)
CONSENT_PROVIDERS: Final = tuple(_CONSENTS)


def consent_variants(name: str) -> tuple[str, ...]:
    """The consent variants a provider offers (the first is its default); none for imported providers."""
    return tuple(_VARIANTS.get(provider(name).name, ()))


def consent_api(
    name: str, *, building: str, conninfo: str | None = None, environ: Mapping[str, str] | None = None
) -> ConsentApi:
    """The consent side of a provider, configured from the environment (its variables named when missing)."""
    factory = _CONSENTS.get(provider(name).name)
    if factory is None:
        raise SourceConfigError(f"provider={name!r}: its meters are imported from files, there is no consent to give")
    return factory(os.environ if environ is None else environ, conninfo, building)
