"""client_credentials token for {base}/oauth2/v3/token, cached and shared by every thread of a client."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from linky_pipeline.lib.sources.enedis.labels import number
from linky_pipeline.lib.sources.enedis.quota import TOKEN
from linky_pipeline.lib.sources.errors import CredentialsRefusedError, MalformedResponseError, SourceParseError
from linky_pipeline.lib.sources.transport import CallCounter, Transport

logger = logging.getLogger(__name__)


class TokenProvider:
    """Fetches a token on first use, renews it `margin_s` before expiry or when a call reports it invalid."""

    def __init__(
        self,
        transport: Transport,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        clock: Callable[[], datetime],
        margin_s: float = 60.0,
    ) -> None:
        self._transport, self._url, self._clock, self._margin = transport, token_url, clock, margin_s
        self._client_id, self._client_secret = client_id, client_secret
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at: datetime | None = None
        self.fetches = 0

    def __repr__(self) -> str:
        return f"TokenProvider(url={self._url!r}, client_id={self._client_id!r}, cached={self._token is not None})"

    def get(self, counter: CallCounter) -> str:
        """A token valid for at least `margin_s` more seconds."""
        with self._lock:
            if self._token and self._expires_at and self._clock() < self._expires_at - timedelta(seconds=self._margin):
                return self._token
            self._token, self._expires_at = self._fetch(counter)
            return self._token

    def secrets(self) -> tuple[str, ...]:
        """What must never be repeated anywhere: the client secret and the cached token (for the scrubber)."""
        with self._lock:
            return tuple(s for s in (self._client_secret, self._token) if s)

    def invalidate(self, token: str) -> None:
        """Forget `token` if it is still the cached one (another thread may have renewed it already)."""
        with self._lock:
            if self._token == token:
                self._token, self._expires_at = None, None

    def _fetch(self, counter: CallCounter) -> tuple[str, datetime]:
        form = {"grant_type": "client_credentials", "client_id": self._client_id, "client_secret": self._client_secret}
        response = self._transport.send(
            "POST",
            self._url,
            api=TOKEN,
            counter=counter,
            what="token",
            data=form,
            headers={"Accept": "application/json"},
        )
        self.fetches += 1
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if response.status_code != 200:
            code = body.get("error") if isinstance(body, dict) else None
            raise CredentialsRefusedError(
                response.status_code,
                code if isinstance(code, str) else None,
                f"token endpoint refused client_id={self._client_id!r}",
            )
        if not isinstance(body, dict):
            raise MalformedResponseError("token: body is not a JSON object")
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise MalformedResponseError("token: access_token missing or empty")
        try:
            lifetime = number("expires_in", body.get("expires_in"))
        except SourceParseError as exc:
            raise MalformedResponseError(f"token: {exc}") from None
        logger.debug("token obtained for client_id=%s, valid %.0f s", self._client_id, lifetime)
        return token, self._clock() + timedelta(seconds=lifetime)
