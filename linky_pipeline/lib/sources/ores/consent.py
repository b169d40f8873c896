"""ORES's consent side behind the shared ConsentApi: the seed's authorize URL, the code exchange, and a probe of
which directions the named meter has (a production curve answering data means solar panels)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Final

from linky_pipeline.lib.domain.localtime import BRUSSELS, local_midnight_utc
from linky_pipeline.lib.sources.consent import ConsentResult, Grant
from linky_pipeline.lib.sources.errors import ConsentApiError
from linky_pipeline.lib.sources.ores import contract, oauth
from linky_pipeline.lib.sources.ores.client import error_code, rfc3339
from linky_pipeline.lib.sources.ores.http import OresHttp
from linky_pipeline.lib.sources.ores.settings import OresSettings
from linky_pipeline.lib.sources.ratelimit import RateLimiter
from linky_pipeline.lib.sources.results import json_or_none
from linky_pipeline.lib.sources.transport import CallCounter
from linky_pipeline.lib.sources.user_tokens import TokenSet

VARIANT: Final = "oauth2"
PROBE_DAYS: Final = 7  # a week: solar panels produce something in any week, even in winter


class OresConsent:
    """ConsentApi for the seed's ORES OAuth2 authorization-code flow."""

    provider: Final = contract.NAME
    variants: Final = (VARIANT,)
    max_duration: Final = None  # the seed's authorize request has no duration: the grant lasts until revoked

    def __init__(
        self,
        settings: OresSettings,
        *,
        limiter: RateLimiter | None = None,
        http: OresHttp | None = None,
        today: Callable[[datetime], date] | None = None,
    ) -> None:
        self.settings = settings
        self._limiter = limiter
        self._http = http or OresHttp(timeout_s=settings.timeout_s, backoff_base_s=settings.backoff_base_s)
        self._today = today or (lambda now: now.astimezone(BRUSSELS).date())

    def __repr__(self) -> str:
        return f"OresConsent({self.settings!r})"

    def __enter__(self) -> OresConsent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def redirect_uri(self) -> str | None:
        return self.settings.redirect_uri

    def redirect_params(self, variant: str) -> tuple[str, ...]:  # noqa: ARG002 - one variant
        return ("code",)

    def needs_vault(self, variant: str) -> bool:  # noqa: ARG002 - one variant
        return True  # access and refresh tokens are sealed per meter

    def needs_meter_id(self, variant: str) -> bool:  # noqa: ARG002 - one variant
        return True  # the redirect carries a code, not the meter (the seed's configure call sends `prm`)

    def authorize_url(self, variant: str, *, state: str, duration: str | None, redirect_uri: str) -> str:  # noqa: ARG002
        return oauth.authorize_url(self.settings, state=state, redirect_uri=redirect_uri)

    def complete(
        self,
        variant: str,  # noqa: ARG002 - one variant
        params: Mapping[str, str],
        *,
        redirect_uri: str,
        duration_end: datetime | None,  # noqa: ARG002 - no duration
        now: datetime,
        meter_id: str | None,
    ) -> ConsentResult:
        if not meter_id:
            raise ConsentApiError("an ORES consent needs the meter's prm or EAN (the redirect does not name it)")
        counter = CallCounter()
        try:
            tokens = oauth.exchange_code(
                self._http, self.settings, code=params["code"], redirect_uri=redirect_uri, now=now, counter=counter
            )
        except oauth.TokenRefused as exc:
            raise ConsentApiError(f"the ORES token endpoint refused the authorization code ({exc.error})") from None
        directions = self._directions(meter_id, tokens, self._today(now), counter)
        grants = [Grant(meter_id, direction, now, None) for direction in directions]
        secrets = {"access_token": tokens.access_token}
        if tokens.refresh_token:
            secrets["refresh_token"] = tokens.refresh_token
        expiry = {"access_token": tokens.expires_at} if tokens.expires_at else {}
        return ConsentResult(grants, secrets=secrets, expires_at=expiry)

    def _directions(self, meter_id: str, tokens: TokenSet, today: date, counter: CallCounter) -> tuple[str, ...]:
        """The last week's curve in each direction: consumption must answer 200 (the consent covers the meter),
        production counts when it answers data (a meter without solar panels has none)."""
        params = {
            "prm": meter_id,
            "start": rfc3339(local_midnight_utc(today - timedelta(days=PROBE_DAYS), BRUSSELS)),
            "end": rfc3339(local_midnight_utc(today, BRUSSELS)),
        }
        found: list[str] = []
        for endpoint, direction in contract.DIRECTION_OF.items():
            response = self._http.send(
                "GET",
                self.settings.base_url + contract.CURVE_PATHS[endpoint],
                counter=counter,
                what=f"ores consent probe {direction}",
                limiter=self._limiter,
                params=params,
                headers={"Authorization": f"Bearer {tokens.access_token}", "Accept": "application/json"},
            )
            payload = json_or_none(response.content)
            if response.status_code == 200 and (direction == "consumption" or (payload or {}).get("interval_readings")):
                found.append(direction)
            elif direction == "consumption":
                code, _ = error_code(payload)
                raise ConsentApiError(
                    f"meter {meter_id}: the consumption curve answered HTTP {response.status_code} (error={code!r}); "
                    "is this the customer's meter?"
                )
        return tuple(found)

    def read_contract(self, meter_id: str) -> None:  # noqa: ARG002 - the seed's ORES contract has no contract API
        return None

    def close(self) -> None:
        """Release the HTTP pool and the limiter's connection, if it has one."""
        self._http.close()
        close_limiter = getattr(self._limiter, "close", None)
        if callable(close_limiter):
            close_limiter()
