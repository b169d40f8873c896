"""What a provider's consent side offers the consent flow (lib/consent): the authorize URL and the grants a
completed redirect yields. The flow (state, listener, storage) is shared; each provider implements this."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Grant:
    """One consented (meter id, direction) with its consent window (end None: until revoked)."""

    meter_id: str
    direction: str
    consent_start: datetime
    consent_end: datetime | None
    service_state: str | None = None
    measures: tuple[str, ...] = ()  # measure types the consent covers (Enedis 2026: CDC, PMAX, ENERGIE…)


@dataclass(frozen=True)
class ConsentResult:
    """The grants of a completed consent and the secrets to seal for each granted meter (never in repr)."""

    grants: list[Grant]
    secrets: dict[str, str] = field(default_factory=dict, repr=False)  # credential name → value
    expires_at: dict[str, datetime] = field(default_factory=dict)  # credential name → expiry


class ContractFacts(Protocol):
    """What the registry keeps from a meter's contract (where the provider has a contract API)."""

    @property
    def activation(self) -> Mapping[str, date]:
        """Direction → last activation (local) day."""
        ...

    @property
    def subscribed_kva(self) -> float | None: ...

    @property
    def problems(self) -> tuple[str, ...]:
        """What could not be read (shapes differ between captures), for the log."""
        ...

    def activation_for(self, direction: str) -> date | None: ...


class ConsentApi(Protocol):
    """One provider's consent calls, configured (credentials, hosts, HTTP pool)."""

    @property
    def provider(self) -> str:
        """The registry's provider code the grants are stored under."""
        ...

    @property
    def variants(self) -> tuple[str, ...]:
        """Consent variants it supports (the first is the default)."""
        ...

    @property
    def max_duration(self) -> str | None:
        """Longest ISO-8601 consent duration it accepts; None: the provider takes no duration."""
        ...

    @property
    def redirect_uri(self) -> str | None:
        """The redirect URI registered with the provider, if configured (else the local listener's)."""
        ...

    def needs_vault(self, variant: str) -> bool:
        """True when completing `variant` yields secrets to seal."""
        ...

    def redirect_params(self, variant: str) -> tuple[str, ...]:
        """Query parameters a successful redirect carries besides `state` (e.g. `code`)."""
        ...

    def needs_meter_id(self, variant: str) -> bool:
        """True when the user must name the meter (the redirect does not say which)."""
        ...

    def authorize_url(self, variant: str, *, state: str, duration: str | None, redirect_uri: str) -> str:
        """The URL the customer opens."""
        ...

    def complete(
        self,
        variant: str,
        params: Mapping[str, str],
        *,
        redirect_uri: str,
        duration_end: datetime | None,
        now: datetime,
        meter_id: str | None,
    ) -> ConsentResult:
        """Turn a verified redirect's query parameters into grants (calls the provider as needed)."""
        ...

    def read_contract(self, meter_id: str) -> ContractFacts | None:
        """The meter's contract facts, or None when the provider has no contract API."""
        ...

    def close(self) -> None:
        """Release HTTP pools."""
        ...
