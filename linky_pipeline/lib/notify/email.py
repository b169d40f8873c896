"""SMTP delivery with smtplib: optional STARTTLS and login, deterministic Message-ID."""

from __future__ import annotations

import mimetypes
import re
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Final

from linky_pipeline.lib.notify.base import DeliveryError, NotifyError, stable_token

# one address, optionally with a display name ("Linky <linky@example.org>"); nothing that would break a header line
EMAIL_SENDER: Final = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]*@[^\x00-\x1f\x7f-\x9f\u2028\u2029@]+")


class SmtpConfigError(NotifyError):
    """SMTP settings are unusable (names the field and value, never the password)."""


def message_id_for(dedupe_key: str, domain: str) -> str:
    """Same outbox row → same Message-ID on every attempt, so mail systems and readers can drop duplicates."""
    return f"<{stable_token(dedupe_key)}@{domain}>"


class SmtpSender:
    """One SMTP relay. Settings come from EnvVar in the Dagster resource; the password never leaves here."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not host:
            raise SmtpConfigError(f"SMTP host must not be empty, got {host!r}")
        if not 0 < int(port) < 65536:
            raise SmtpConfigError(f"SMTP port must be 1-65535, got {port!r}")
        if "@" not in sender or not EMAIL_SENDER.fullmatch(sender):
            raise SmtpConfigError(f"SMTP sender must be one e-mail address (no line break), got {sender!r}")
        if (username is None) != (password is None):
            raise SmtpConfigError(
                "SMTP username and password must be given together (username="
                f"{username!r}, password {'set' if password else 'missing'})"
            )
        if timeout <= 0:
            raise SmtpConfigError(f"SMTP timeout must be > 0, got {timeout!r}")
        self.host, self.port, self.sender = host, int(port), sender
        self.starttls, self.username, self._password, self.timeout = starttls, username, password, timeout

    @property
    def domain(self) -> str:
        """Right-hand side of Message-IDs: the sender's domain."""
        return self.sender.rsplit("@", 1)[1] or "localhost"

    def __repr__(self) -> str:
        return (
            f"SmtpSender(host={self.host!r}, port={self.port}, starttls={self.starttls}, "
            f"username={self.username!r}, sender={self.sender!r})"
        )

    def build_message(
        self, recipient: str, subject: str, body: str, message_id: str, attachment: Path | None = None
    ) -> EmailMessage:
        """A UTF-8 text e-mail; the emoji subject is RFC 2047-encoded by the email package."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = recipient
        msg["Subject"] = subject
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = message_id or make_msgid(domain=self.domain)
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(body, charset="utf-8")
        if attachment is not None:
            try:
                data = attachment.read_bytes()
            except OSError as exc:
                raise DeliveryError(f"attachment {attachment.name}: {type(exc).__name__}") from None
            kind = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
            maintype, _, subtype = kind.partition("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment.name)
        return msg

    def send(self, recipient: str, subject: str, body: str, message_id: str, attachment: Path | None = None) -> None:
        """Send one e-mail or raise DeliveryError (text safe to store: no password, no server banner dump)."""
        msg = self.build_message(recipient, subject, body, message_id, attachment)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.username is not None and self._password is not None:
                    smtp.login(self.username, self._password)
                refused = smtp.send_message(msg, from_addr=self.sender, to_addrs=[recipient])
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"smtp: {type(exc).__name__} {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp: {type(exc).__name__}: {self._clean(str(exc))}") from None
        if refused:
            raise DeliveryError(f"smtp: recipient refused: {sorted(refused)}")

    def _clean(self, text: str) -> str:
        return text.replace(self._password, "***") if self._password else text
