"""One scrubber for every text a provider sends back before it reaches an exception, a log line or metadata.

Gateways echo requests in their error texts (a WSO2 `error_description` quoting the Authorization header, an
OAuth error repeating `client_secret=`); such text must never travel further. Rules, applied in order:
credential-named fields (`access_token=…`, `"client_secret": "…"`, `?code=…`, `Authorization: …`) keep their
name and lose their value; `Bearer`/`Basic` credentials, JWTs and long opaque token-like strings are masked;
secrets the caller knows (the client secret, the current token) are removed wherever they appear.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any, Final

MASK: Final = "***"
_NAMES: Final = (
    r"access_token|refresh_token|id_token|client_secret|client_assertion|password|passwd|api[_-]?key|"
    r"autorisation_id|autorisationId|authorization_code|ocp-apim-subscription-key"
)
# name=value (query strings, forms), "name": "value" (JSON), name: value (headers, prose)
_FIELD: Final = re.compile(
    rf"""(?ix)
    (?P<name>["']?\b(?:{_NAMES})\b["']?)
    (?P<sep>\s*[:=]\s*)
    (?P<value>"[^"]*"|'[^']*'|[^\s&,;"'<>)\]}}]+)
    """
)
# an OAuth authorization code travels as a query/form parameter (`?code=…`, `&code=…`); a JSON "code" is an error code
_CODE_PARAM: Final = re.compile(r"(?i)((?:^|[?&])code=)[^\s&#\"'<>]+")
_AUTHORIZATION: Final = re.compile(r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*)(?:\"[^\"]*\"|'[^']*'|[^\r\n,;}]+)")
_SCHEME: Final = re.compile(r"(?i)\b(bearer|basic|digest)\s+[A-Za-z0-9._~+/=-]{6,}")
_JWT: Final = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?")
# 24+ characters of a token alphabet mixing letters and digits: what opaque tokens and secrets look like
_OPAQUE: Final = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{24,}")


def scrub(text: str, known: Iterable[str | None] = ()) -> str:
    """`text` with everything secret-shaped masked (see the module docstring)."""
    cleaned = text
    for secret in sorted((s for s in known if s and len(s) >= 4), key=len, reverse=True):
        cleaned = cleaned.replace(secret, MASK)
    cleaned = _AUTHORIZATION.sub(lambda m: m.group(1) + MASK, cleaned)
    cleaned = _SCHEME.sub(lambda m: f"{m.group(1)} {MASK}", cleaned)
    cleaned = _CODE_PARAM.sub(lambda m: m.group(1) + MASK, cleaned)
    cleaned = _FIELD.sub(lambda m: m.group("name") + m.group("sep") + _masked(m.group("value")), cleaned)
    cleaned = _JWT.sub(MASK, cleaned)
    return _OPAQUE.sub(MASK, cleaned)


def _masked(value: str) -> str:
    if value == MASK or value.strip("\"'") == MASK:
        return value
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{quote}{MASK}{quote}"


def scrub_json(value: Any, known: Iterable[str | None] = ()) -> Any:
    """A JSON value (an error body about to be stored) with every string scrubbed, keys kept."""
    secrets = tuple(known)
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, list):
        return [scrub_json(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: scrub_json(v, secrets) for k, v in value.items()}
    return value


# The loggers of the HTTP stack itself: at DEBUG, httpcore logs every response's headers (a gateway echoing the
# Authorization header or the token form in a header lands there) and httpx logs every URL.
HTTP_LOGGERS: Final = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


class ScrubbingFilter(logging.Filter):
    """Rewrites a log record's message through `scrub` (only records a logger emits: DEBUG costs nothing off)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        cleaned = scrub(text)
        if cleaned != text:
            record.msg, record.args = cleaned, None
        return True


def scrub_http_logs() -> None:
    """Put the scrubber on the HTTP stack's loggers (idempotent): whatever level a deployment logs at, what the
    libraries write about provider answers is scrubbed like our own errors."""
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubbingFilter) for f in logger.filters):
            logger.addFilter(ScrubbingFilter())
