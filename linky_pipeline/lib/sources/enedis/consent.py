"""Enedis's consent side behind the shared ConsentApi: the v5 redirect (code + usage_point_id, directions probed)
and the 2026 one (autorisation_id resolved by subscribed_services, sealed per meter)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.sources.consent import ConsentResult, Grant
from linky_pipeline.lib.sources.enedis import consent_api as api
from linky_pipeline.lib.sources.enedis.client import EnedisClient
from linky_pipeline.lib.sources.enedis.contract import ContractSummary, fetch_contract
from linky_pipeline.lib.sources.errors import ConsentApiError
from linky_pipeline.lib.sources.quotas import QuotaBook
from linky_pipeline.lib.sources.ratelimit import RateLimiter

MAX_DURATION: Final = "P3Y"  # "ne peut excéder 3 ans" (maximum_duration_exceeded beyond)
REDIRECT_PARAMS: Final = {"v5": ("code", "usage_point_id"), "2026": ("autorisation_id",)}


def split_prms(value: str) -> tuple[str, ...]:
    """usage_point_id may list several PRMs separated by ';' or ','."""
    parts = [p.strip() for p in value.replace(",", ";").split(";")]
    return tuple(dict.fromkeys(p for p in parts if p))


class EnedisConsent:
    """ConsentApi for Enedis Data Connect; its calls share the client's token, transport and quota."""

    provider: Final = "enedis"
    variants: Final = ("2026", "v5")  # the first is the default: 2026 is the only live API since 2026-09-28
    max_duration: Final = MAX_DURATION

    def __init__(
        self,
        config: api.EnedisConsentConfig,
        client: EnedisClient | None = None,
        limiter: RateLimiter | QuotaBook | None = None,
    ) -> None:
        self.config = config
        self._owned = client is None
        self.client = client or api.consent_client(config, limiter)

    def __repr__(self) -> str:
        return f"EnedisConsent({self.config!r})"

    def __enter__(self) -> EnedisConsent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def redirect_uri(self) -> str | None:
        return self.config.redirect_uri

    def redirect_params(self, variant: str) -> tuple[str, ...]:
        return REDIRECT_PARAMS.get(variant, ())

    def needs_vault(self, variant: str) -> bool:
        return variant == "2026"  # the autorisation_id is sealed per meter

    def needs_meter_id(self, variant: str) -> bool:  # noqa: ARG002 - the redirect names the PRMs
        return False

    def authorize_url(self, variant: str, *, state: str, duration: str | None, redirect_uri: str) -> str:
        return api.consent_url(
            self.config, variant, state=state, duration=duration or MAX_DURATION, redirect_uri=redirect_uri
        )

    def complete(
        self,
        variant: str,
        params: Mapping[str, str],
        *,
        redirect_uri: str,  # noqa: ARG002 - Enedis exchanges no code
        duration_end: datetime | None,
        now: datetime,
        meter_id: str | None,  # noqa: ARG002 - the redirect names the PRMs
    ) -> ConsentResult:
        if variant == "v5":
            if duration_end is None:
                raise ConsentApiError("a v5 consent needs its duration's end")
            today = now.astimezone(PARIS).date()
            grants = [
                Grant(prm, direction, now, duration_end)
                for prm in split_prms(params["usage_point_id"])
                for direction in api.probe_directions(self.client, prm, today)
            ]
            return ConsentResult(grants)
        autorisation_id = params["autorisation_id"]
        grants = [
            Grant(g.meter_id, g.direction, g.consent_start, g.consent_end, g.service_state, g.measures)
            for g in api.subscribed_services(self.client, autorisation_id)
        ]
        return ConsentResult(grants, secrets={"autorisation_id": autorisation_id})

    def read_contract(self, meter_id: str) -> ContractSummary:
        """synth_contrat_auto: last activation date and subscribed power (its own quota)."""
        return fetch_contract(self.client, meter_id)

    def close(self) -> None:
        if self._owned:
            self.client.close()
