"""Signed webhook delivery (httpx) and the matching verification for receivers.

Signature = "sha256=" + hex HMAC-SHA256(secret, f"{timestamp}.{body}"): the timestamp is inside the MAC so a
captured request cannot be replayed outside the tolerance window, and the body is signed byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import httpx

from linky_pipeline.lib.notify.base import DeliveryError, NotifyError, safe_error

TIMESTAMP_HEADER: Final = "X-Linky-Timestamp"
SIGNATURE_HEADER: Final = "X-Linky-Signature"
DELIVERY_HEADER: Final = "X-Linky-Delivery-Id"


class WebhookConfigError(NotifyError):
    """Unusable webhook settings or URL (never echoes the secret)."""


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def _as_bytes(body: str | bytes) -> bytes:
    return body.encode() if isinstance(body, str) else body


def sign(secret: str | bytes, timestamp: int, body: str | bytes) -> str:
    """The X-Linky-Signature value for this timestamp and exact body."""
    mac = hmac.new(_key(secret), f"{int(timestamp)}.".encode() + _as_bytes(body), hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str | bytes,
    timestamp: str | int,
    body: str | bytes,
    signature: str,
    now: datetime | float,
    tolerance_s: int = 300,
) -> bool:
    """True when the signature matches and the timestamp is within `tolerance_s` of `now` (either side)."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    now_s = now.timestamp() if isinstance(now, datetime) else float(now)
    if abs(now_s - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), str(signature))


def encode_body(payload: dict[str, Any]) -> bytes:
    """Canonical JSON (sorted keys, UTF-8): the same payload always yields the same signed bytes."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class WebhookSender:
    """POSTs signed JSON; any non-2xx answer, timeout or connection error is a DeliveryError."""

    def __init__(
        self,
        secret: str,
        timeout: float = 10.0,
        *,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not secret:
            raise WebhookConfigError("webhook secret must not be empty")
        if timeout <= 0:
            raise WebhookConfigError(f"webhook timeout must be > 0, got {timeout!r}")
        self._secret, self.timeout, self._clock, self._transport = secret, timeout, clock, transport

    def __repr__(self) -> str:
        return f"WebhookSender(timeout={self.timeout})"

    def send(self, url: str, payload: dict[str, Any], delivery_id: str) -> int:
        """Deliver once; returns the HTTP status. Redirects are not followed (a 3xx is a failure)."""
        if not url.startswith(("http://", "https://")):
            raise WebhookConfigError("webhook recipient must be an http(s) URL")
        body = encode_body(payload)
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "linky-pipeline-webhook/1",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
            DELIVERY_HEADER: delivery_id,
        }
        try:
            with httpx.Client(timeout=self.timeout, transport=self._transport, follow_redirects=False) as client:
                response = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook: {type(exc).__name__}: {safe_error(str(exc), (self._secret, url))}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"webhook: HTTP {response.status_code}")
        return response.status_code
