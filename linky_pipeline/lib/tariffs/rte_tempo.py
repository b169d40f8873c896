"""Tempo day colours from RTE's API (Tempo Like Supply Contract, OAuth2 client credentials), or from the sandbox
that emulates it. Settings come from the caller (LINKY_RTE_API_BASE, LINKY_RTE_CLIENT_ID, LINKY_RTE_CLIENT_SECRET);
the secret never appears in an error."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final

import httpx

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.lib.tariffs.models import Colour
from linky_pipeline.lib.tariffs.tempo_calendar import parse_rte_calendar

TOKEN_PATH: Final = "/token/oauth/"  # noqa: S105 - a URL path, not a password
CALENDAR_PATH: Final = "/open_api/tempo_like_supply_contract/v1/tempo_like_calendars"
MAX_DAYS_PER_CALL: Final = 366


class TempoApiError(RuntimeError):
    """The Tempo API refused or failed (HTTP status and the provider's error code, never a credential)."""


def _stamp(day: date) -> str:
    return datetime.combine(day, time(0), tzinfo=PARIS).isoformat()


class RteTempoClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 20.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise TempoApiError(f"Tempo API base URL must be http(s), got {base_url!r}")
        if not client_id or not client_secret:
            raise TempoApiError("Tempo API client id and secret must both be set")
        self._base, self._id, self._secret = base_url.rstrip("/"), client_id, client_secret
        self._http = httpx.Client(timeout=timeout, transport=transport)

    def __repr__(self) -> str:
        return f"RteTempoClient(base_url={self._base!r})"

    def close(self) -> None:
        self._http.close()

    def _token(self) -> str:
        answer = self._http.post(f"{self._base}{TOKEN_PATH}", auth=(self._id, self._secret))
        if answer.status_code != 200:
            raise TempoApiError(f"Tempo token: HTTP {answer.status_code}")
        return str(answer.json()["access_token"])

    def colours(self, start: date, end: date) -> dict[date, Colour]:
        """Known colours of local days [start, end) (days not yet published are absent: priced `partial`)."""
        if end <= start:
            raise TempoApiError(f"end {end} must be after start {start}")
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
        found: dict[date, Colour] = {}
        chunk = start
        while chunk < end:
            until = min(end, chunk + timedelta(days=MAX_DAYS_PER_CALL - 1))
            answer = self._http.get(
                f"{self._base}{CALENDAR_PATH}",
                params={"start_date": _stamp(chunk), "end_date": _stamp(until)},
                headers=headers,
            )
            if answer.status_code != 200:
                code = (
                    answer.json().get("error", "")
                    if answer.headers.get("content-type", "").startswith("application/json")
                    else ""
                )
                raise TempoApiError(f"Tempo calendar {chunk}..{until}: HTTP {answer.status_code} {code}".rstrip())
            found.update(parse_rte_calendar(answer.json()))
            chunk = until
        return {d: c for d, c in found.items() if start <= d < end}
