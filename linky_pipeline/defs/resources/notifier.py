"""Where notifications go: SMTP and signed webhooks, configured from the environment (empty = not configured)."""

import dagster as dg

from linky_pipeline.lib.notify.base import Sender
from linky_pipeline.lib.notify.channels import EmailChannel, WebhookChannel
from linky_pipeline.lib.notify.email import SmtpSender
from linky_pipeline.lib.notify.webhook import WebhookSender


class NotifierResource(dg.ConfigurableResource["NotifierResource"]):
    """Channels for the outbox deliverer; a channel whose settings are empty stays pending (nothing is lost)."""

    smtp_host: str = ""
    smtp_port: str = "587"
    smtp_starttls: str = "true"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_sender: str = ""
    webhook_secret: str = ""
    ops_webhook_url: str = ""
    dashboard_base_url: str = "http://localhost:3001"

    def senders(self) -> dict[str, Sender]:
        channels: dict[str, Sender] = {}
        if self.smtp_host and self.smtp_sender:
            smtp = SmtpSender(
                self.smtp_host,
                int(self.smtp_port),
                sender=self.smtp_sender,
                starttls=self.smtp_starttls.lower() in ("1", "true", "yes"),
                username=self.smtp_username or None,
                password=self.smtp_password or None,
            )
            channels["email"] = EmailChannel(smtp, dashboard_base_url=self.dashboard_base_url)
        if self.webhook_secret:
            channels["webhook"] = WebhookChannel(
                WebhookSender(self.webhook_secret), dashboard_base_url=self.dashboard_base_url
            )
        return channels


def notifier_from_env() -> NotifierResource:
    return NotifierResource(
        smtp_host=dg.EnvVar("LINKY_SMTP_HOST"),
        smtp_port=dg.EnvVar("LINKY_SMTP_PORT"),
        smtp_starttls=dg.EnvVar("LINKY_SMTP_STARTTLS"),
        smtp_username=dg.EnvVar("LINKY_SMTP_USERNAME"),
        smtp_password=dg.EnvVar("LINKY_SMTP_PASSWORD"),
        smtp_sender=dg.EnvVar("LINKY_SMTP_SENDER"),
        webhook_secret=dg.EnvVar("LINKY_WEBHOOK_SECRET"),
        ops_webhook_url=dg.EnvVar("LINKY_OPS_WEBHOOK_URL"),
        dashboard_base_url=dg.EnvVar("LINKY_DASHBOARD_BASE_URL"),
    )
