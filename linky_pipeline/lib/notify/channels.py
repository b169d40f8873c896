"""Adapters from an outbox row to a transport: render the text, derive the stable ids, send."""

from __future__ import annotations

from pathlib import Path

from linky_pipeline.lib.notify.base import OutboxItem, stable_token
from linky_pipeline.lib.notify.email import SmtpSender, message_id_for
from linky_pipeline.lib.notify.templates import render_email, webhook_payload
from linky_pipeline.lib.notify.webhook import WebhookSender


class EmailChannel:
    """channel 'email': the French template, Message-ID derived from the dedupe key."""

    def __init__(self, smtp: SmtpSender, *, dashboard_base_url: str) -> None:
        self.smtp, self.dashboard_base_url = smtp, dashboard_base_url

    def deliver(self, item: OutboxItem) -> None:
        rendered = render_email(item.kind, item.payload, dashboard_base_url=self.dashboard_base_url)
        self.smtp.send(
            item.recipient,
            rendered.subject,
            rendered.body,
            message_id_for(item.dedupe_key, self.smtp.domain),
            Path(rendered.attachment) if rendered.attachment else None,
        )


class WebhookChannel:
    """channel 'webhook': signed JSON, X-Linky-Delivery-Id derived from the dedupe key."""

    def __init__(self, sender: WebhookSender, *, dashboard_base_url: str | None = None) -> None:
        self.sender, self.dashboard_base_url = sender, dashboard_base_url

    def deliver(self, item: OutboxItem) -> None:
        delivery_id = stable_token(item.dedupe_key)
        body = webhook_payload(
            item.kind, item.payload, delivery_id=delivery_id, dashboard_base_url=self.dashboard_base_url
        )
        self.sender.send(item.recipient, body, delivery_id)
