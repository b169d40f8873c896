"""Notification delivery (issue 5): templates, SMTP and webhook channels, alert rules, the outbox.

mailcatcher (aiosmtpd, a dev dependency) is not imported here; import it explicitly where needed.
"""

from __future__ import annotations

from linky_pipeline.lib.notify.base import (
    DeliveryError,
    NotifyError,
    OutboxItem,
    Sender,
    TemplateError,
    stable_token,
)
from linky_pipeline.lib.notify.channels import EmailChannel, WebhookChannel
from linky_pipeline.lib.notify.email import SmtpConfigError, SmtpSender, message_id_for
from linky_pipeline.lib.notify.outbox import DeliveryReport, OutboxError, backoff_seconds, deliver_due, enqueue
from linky_pipeline.lib.notify.rules import (
    AlertRule,
    AlertRuleSpec,
    RuleValidationError,
    add_rule,
    enqueue_anomaly_notifications,
    list_rules,
    remove_rule,
    validate_rule,
)
from linky_pipeline.lib.notify.templates import RenderedEmail, render_email, webhook_payload
from linky_pipeline.lib.notify.webhook import WebhookConfigError, WebhookSender, sign, verify_signature

__all__ = [
    "AlertRule",
    "AlertRuleSpec",
    "DeliveryError",
    "DeliveryReport",
    "EmailChannel",
    "NotifyError",
    "OutboxError",
    "OutboxItem",
    "RenderedEmail",
    "RuleValidationError",
    "Sender",
    "SmtpConfigError",
    "SmtpSender",
    "TemplateError",
    "WebhookChannel",
    "WebhookConfigError",
    "WebhookSender",
    "add_rule",
    "backoff_seconds",
    "deliver_due",
    "enqueue",
    "enqueue_anomaly_notifications",
    "list_rules",
    "message_id_for",
    "remove_rule",
    "render_email",
    "sign",
    "stable_token",
    "validate_rule",
    "verify_signature",
    "webhook_payload",
]
