"""Types shared by the notification modules: the outbox row, the sender protocol, the error hierarchy."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

KINDS: Final = (
    "anomaly",
    "consent_expiry",
    "consent_lost",
    "run_failure",
    "usage_alert",
    "monthly_report",
    "empty_answer",
    "implausible_value",
)
CHANNELS: Final = ("email", "webhook")
MAX_ERROR_CHARS: Final = 500


class NotifyError(Exception):
    """Base of every error raised by linky_pipeline.lib.notify."""


class DeliveryError(NotifyError):
    """A channel failed to deliver; the message is safe to store in notifications.last_error (no secrets)."""


class TemplateError(NotifyError):
    """A payload lacks what its template needs (names the kind and the field)."""


@dataclass(frozen=True)
class OutboxItem:
    """One claimed notifications row, as handed to a channel."""

    id: int
    dedupe_key: str = field(repr=False)  # may embed the recipient
    kind: str
    channel: str
    recipient: str = field(repr=False)  # a webhook URL can carry a token
    payload: dict[str, Any] = field(repr=False)
    attempts: int
    building_code: str | None = None
    anomaly_id: str | None = None


class Sender(Protocol):
    """What deliver_due needs from a channel: deliver one item or raise (preferably DeliveryError)."""

    def deliver(self, item: OutboxItem) -> None: ...


def stable_token(dedupe_key: str) -> str:
    """32 hex chars derived from the dedupe key: receivers dedupe on it across retries and redeliveries.

    The key itself is not exposed because it may contain a recipient (an e-mail address or a webhook URL
    with a token in it).
    """
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]


_URL_SECRET = re.compile(r"(https?://)[^\s'\"<>]+", re.IGNORECASE)


def safe_error(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Error text fit for last_error/logs: known secrets and whole URLs (which may carry tokens) removed."""
    cleaned = text
    for secret in secrets:
        if secret:
            cleaned = cleaned.replace(secret, "***")
    cleaned = _URL_SECRET.sub(r"\1***", cleaned)
    cleaned = " ".join(cleaned.split())
    return cleaned[:MAX_ERROR_CHARS]
