"""The seed's OAuth2 flow with authlib: the authorize URL, the code exchange and refresh-token rotation.

authlib's protocol client (`authlib.oauth2.client.OAuth2Client`) builds the requests (RFC 6749 form bodies,
client_secret_post as in the seed's token call), parses token answers and error bodies, and keeps the previous
refresh token when the server does not rotate it. Its HTTP "session" here is `OresHttp` (the seed's retry rules);
authlib's httpx integration is not used (deprecated in authlib 1.9 in favour of httpx2).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.client import OAuth2Client

from linky_pipeline.lib.sources.errors import MalformedResponseError
from linky_pipeline.lib.sources.ores import contract
from linky_pipeline.lib.sources.ores.http import OresHttp
from linky_pipeline.lib.sources.ores.settings import OresSettings
from linky_pipeline.lib.sources.transport import CallCounter
from linky_pipeline.lib.sources.user_tokens import TokenSet

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenRefused(Exception):
    """The token endpoint answered an OAuth2 error (`invalid_grant`, `invalid_client`, …)."""

    status: int
    error: str

    def __str__(self) -> str:
        return f"token endpoint refused the request: HTTP {self.status} error={self.error!r}"


class _Session:
    """What authlib calls `session`: it posts token requests through OresHttp (no rate limit: the seed's budget
    is for data calls). Keeps the last answer so an error body authlib cannot represent is still read."""

    def __init__(self, http: OresHttp, counter: CallCounter) -> None:
        self._http, self._counter = http, counter
        self.last: httpx.Response | None = None

    def post(self, url: str, data: Mapping[str, str] | None = None, headers: Any = None, auth: Any = None) -> Any:
        body = urlencode(dict(data or {}))
        sent = dict(headers or {})
        if auth is not None:  # authlib's ClientAuth adds client_id and client_secret to the form
            url, sent, body = auth.prepare("POST", url, sent, body)
        self.last = self._http.send(
            "POST", url, counter=self._counter, what="ores token", content=body.encode(), headers=sent
        )
        return self.last


def _client(settings: OresSettings, session: _Session | None, redirect_uri: str | None = None) -> OAuth2Client:
    return OAuth2Client(
        session,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name
        redirect_uri=redirect_uri,
        scope=contract.SCOPE,
    )


def authorize_url(settings: OresSettings, *, state: str, redirect_uri: str) -> str:
    """GET {base}/oauth/authorize?client_id&redirect_uri&response_type=code&scope=consumption&state."""
    url, _ = _client(settings, None, redirect_uri).create_authorization_url(
        settings.base_url + contract.AUTHORIZE_PATH, state=state
    )
    return str(url)


def _token_set(body: Mapping[str, Any], previous_refresh: str | None, now: datetime) -> TokenSet:
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise MalformedResponseError("ores token: access_token missing or empty")
    refresh = body.get("refresh_token") or previous_refresh
    lifetime = body.get("expires_in")
    try:
        seconds = float(lifetime) if lifetime is not None and not isinstance(lifetime, bool) else None
    except (TypeError, ValueError):
        raise MalformedResponseError(f"ores token: expires_in={lifetime!r} is not a number") from None
    expires_at = now + timedelta(seconds=seconds) if seconds is not None else None
    return TokenSet(access, str(refresh) if refresh else None, expires_at, issued_at=now)


def _error_of(response: httpx.Response) -> str:
    """The OAuth2 `error` code of an answer (http_<status> when it has none)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    return str(error) if error else f"http_{response.status_code}"


def _call(session: _Session, request: Callable[[], Any]) -> Mapping[str, Any]:
    """Run an authlib token request; OAuth2 errors become TokenRefused, unusable bodies MalformedResponseError."""
    try:
        return dict(request())
    except OAuth2Error as exc:
        status = session.last.status_code if session.last is not None else 0
        raise TokenRefused(status, str(exc.error or "unknown_error")) from None
    except httpx.HTTPStatusError as exc:
        raise TokenRefused(exc.response.status_code, _error_of(exc.response)) from None
    except ValueError as exc:
        # authlib refuses an error_description with characters RFC 6749 forbids (the error code is read here
        # instead), or the body was not a JSON object at all.
        if session.last is not None and session.last.status_code >= 400:
            raise TokenRefused(session.last.status_code, _error_of(session.last)) from None
        raise MalformedResponseError(f"ores token: unusable answer ({type(exc).__name__})") from None


def exchange_code(
    http: OresHttp, settings: OresSettings, *, code: str, redirect_uri: str, now: datetime, counter: CallCounter
) -> TokenSet:
    """POST {base}/oauth/token grant_type=authorization_code (code, client_id, client_secret, redirect_uri)."""
    session = _Session(http, counter)
    client = _client(settings, session, redirect_uri)
    body = _call(
        session,
        lambda: client.fetch_token(
            settings.base_url + contract.TOKEN_PATH,
            grant_type="authorization_code",
            code=code,
            redirect_uri=redirect_uri,
        ),
    )
    logger.debug("ores: authorization code exchanged")
    return _token_set(body, None, now)


def refresh(
    http: OresHttp, settings: OresSettings, tokens: TokenSet, *, now: datetime, counter: CallCounter
) -> TokenSet:
    """POST {base}/oauth/token grant_type=refresh_token; a refresh token in the answer replaces ours (rotation)."""
    if not tokens.refresh_token:
        raise TokenRefused(0, "no_refresh_token")
    session = _Session(http, counter)
    client = _client(settings, session)
    client.token = {"access_token": tokens.access_token, "token_type": "Bearer", "refresh_token": tokens.refresh_token}
    body = _call(
        session,
        lambda: client.refresh_token(settings.base_url + contract.TOKEN_PATH, refresh_token=tokens.refresh_token),
    )
    rotated = body.get("refresh_token") not in (None, tokens.refresh_token)
    logger.debug("ores: access token refreshed (refresh token rotated: %s)", rotated)
    return _token_set(body, tokens.refresh_token, now)
