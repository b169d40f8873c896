"""Templates, SMTP and webhook transports against real receivers on 127.0.0.1 (no database)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from linky_pipeline.lib.notify.base import DeliveryError, OutboxItem, TemplateError, stable_token
from linky_pipeline.lib.notify.channels import EmailChannel, WebhookChannel
from linky_pipeline.lib.notify.email import SmtpConfigError, SmtpSender, message_id_for
from linky_pipeline.lib.notify.templates import render_email, webhook_payload
from linky_pipeline.lib.notify.webhook import WebhookSender, sign, verify_signature
from linky_pipeline.local.mailbox import LocalMailbox, free_port
from linky_pipeline_tests.support.webhooks import WEBHOOK_SECRET, WebhookReceiver

PAYLOAD = {
    "building_code": "res-verte",
    "building_name": "Résidence Verte",
    "timezone": "Europe/Paris",
    "anomaly_id": "0" * 32,
    "meter_id": "22516914714270",
    "metric": "consumption",
    "granularity": "interval",
    "ts": "2025-07-15T12:00:00+00:00",
    "value_kwh": 25.5,
    "avg_7d": 18.2,
    "variance_percent": 40.10989,
    "severity": "Minor",
}


def item(channel: str, recipient: str, payload: dict[str, object] | None = None, kind: str = "anomaly") -> OutboxItem:
    return OutboxItem(
        id=1,
        dedupe_key=f"anomaly:{'0' * 32}:{channel}:{recipient}",
        kind=kind,
        channel=channel,
        recipient=recipient,
        payload=payload or PAYLOAD,
        attempts=0,
    )


def test_anomaly_email_is_the_seed_template_in_local_time() -> None:
    mail = render_email("anomaly", PAYLOAD, dashboard_base_url="https://koprogo.com/")
    assert mail.subject == "⚠️ Surconsommation électrique - Bâtiment Résidence Verte"
    assert "- Date: 15/07/2025 14:00" in mail.body  # 12:00 UTC is 14:00 CEST
    assert "- Consommation: 25,50 kWh" in mail.body
    assert "- Moyenne 7 jours: 18,20 kWh" in mail.body
    assert "- Écart: +40,1%" in mail.body
    assert "- Sévérité: Minor" in mail.body
    assert "Chauffage électrique mal régulé" in mail.body and "Faire vérifier par électricien" in mail.body
    assert "https://koprogo.com/buildings/res-verte/iot" in mail.body


def test_day_anomaly_and_winter_time() -> None:
    payload = {**PAYLOAD, "granularity": "day", "ts": "2025-01-14T23:00:00+00:00"}
    body = render_email("anomaly", payload, dashboard_base_url="http://x").body
    assert "- Date: 15/01/2025 (journée entière)" in body


def test_other_kinds_and_missing_fields() -> None:
    expiry = render_email(
        "consent_expiry",
        {
            "building_code": "res-verte",
            "building_name": "Résidence Verte",
            "meter_id": "22516914714270",
            "consent_end": "2026-03-01T00:00:00+00:00",
        },
        dashboard_base_url="http://x",
    )
    assert "Résidence Verte" in expiry.subject and "01/03/2026" in expiry.body
    lost = render_email(
        "consent_lost", {"building_name": "B", "meter_id": "1", "reason": "ADAM-DC-0008"}, dashboard_base_url="http://x"
    )
    assert "ADAM-DC-0008" in lost.body
    empty = render_email(
        "empty_answer",
        {
            "building_name": "B",
            "building_code": "b",
            "meter_id": "1",
            "days": [f"2026-11-{d:02d}" for d in range(1, 13)],
        },
        dashboard_base_url="http://x",
    )
    assert empty.subject == "Données Linky absentes - Bâtiment B"
    assert "12 jour(s) : 2026-11-01, " in empty.body and "2026-11-10 (+2)" in empty.body
    assert webhook_payload("empty_answer", {"days": []}, delivery_id="d")["event"] == "data.empty_answer"
    failed = render_email("run_failure", {"job_name": "nightly", "run_id": "abc"}, dashboard_base_url="http://x")
    assert failed.subject == "[linky_pipeline] run failed: nightly"
    with pytest.raises(TemplateError, match="avg_7d"):
        render_email("anomaly", {k: v for k, v in PAYLOAD.items() if k != "avg_7d"}, dashboard_base_url="x")
    with pytest.raises(TemplateError, match="'sms'"):
        render_email("sms", PAYLOAD, dashboard_base_url="x")


def test_signature_roundtrip_tamper_and_replay_window() -> None:
    body = b'{"a":1}'
    sig = sign("k", 1_700_000_000, body)
    assert sig.startswith("sha256=") and len(sig) == 7 + 64
    assert verify_signature("k", "1700000000", body, sig, now=1_700_000_100)
    assert not verify_signature("k", "1700000000", b'{"a":2}', sig, now=1_700_000_100)
    assert not verify_signature("other", "1700000000", body, sig, now=1_700_000_100)
    assert not verify_signature("k", "1700000000", body, sig, now=1_700_000_301)
    assert not verify_signature("k", "not-a-number", body, sig, now=1_700_000_000)
    assert verify_signature("k", 1_700_000_000, body, sig, now=datetime.fromtimestamp(1_700_000_000, UTC))


def test_webhook_delivery_is_signed_and_verifiable(webhook_receiver: WebhookReceiver) -> None:
    channel = WebhookChannel(WebhookSender(WEBHOOK_SECRET, timeout=5), dashboard_base_url="https://app.test")
    channel.deliver(item("webhook", webhook_receiver.url))
    [req] = webhook_receiver.received
    headers = {k.lower(): v for k, v in req.headers.items()}
    assert verify_signature(
        WEBHOOK_SECRET, headers["x-linky-timestamp"], req.body, headers["x-linky-signature"], now=time.time()
    )
    assert headers["x-linky-delivery-id"] == stable_token(item("webhook", webhook_receiver.url).dedupe_key)
    doc = json.loads(req.body)
    assert doc["event"] == "anomaly.detected"
    assert doc["data"]["building_name"] == "Résidence Verte" and doc["data"]["value_kwh"] == 25.5
    assert doc["dashboard_url"] == "https://app.test/buildings/res-verte/iot"
    assert doc == webhook_payload(
        "anomaly", PAYLOAD, delivery_id=doc["delivery_id"], dashboard_base_url="https://app.test"
    )


def test_webhook_non_2xx_and_refused_are_failures_without_secrets(webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.statuses = [500]
    sender = WebhookSender(WEBHOOK_SECRET, timeout=5)
    url = webhook_receiver.url + "?token=hush-hush-42"
    with pytest.raises(DeliveryError, match="HTTP 500") as err:
        sender.send(url, {"x": 1}, "d1")
    assert "hush-hush-42" not in str(err.value)
    with pytest.raises(DeliveryError, match="ConnectError") as err:
        sender.send(f"http://127.0.0.1:{free_port()}/h?token=hush-hush-42", {"x": 1}, "d1")
    assert "hush-hush-42" not in str(err.value) and WEBHOOK_SECRET not in str(err.value)
    assert WEBHOOK_SECRET not in repr(sender)


def test_email_lands_in_the_mailbox_with_deterministic_message_id(mailbox: LocalMailbox) -> None:
    smtp = SmtpSender("127.0.0.1", mailbox.port, sender="alertes@linky.test", timeout=5)
    channel = EmailChannel(smtp, dashboard_base_url="https://koprogo.com")
    channel.deliver(item("email", "syndic@example.org"))
    [path] = mailbox.paths()
    assert path.name == "1.eml"
    [msg] = mailbox.messages()
    assert msg["Subject"] == "⚠️ Surconsommation électrique - Bâtiment Résidence Verte"
    assert msg["To"] == "syndic@example.org" and msg["From"] == "alertes@linky.test"
    assert msg["Message-ID"] == message_id_for(item("email", "syndic@example.org").dedupe_key, "linky.test")
    body = msg.get_content()
    assert "Consommation: 25,50 kWh" in body and "Moyenne 7 jours: 18,20 kWh" in body


def test_smtp_down_is_a_delivery_error_and_password_is_never_shown(tmp_path: object) -> None:
    smtp = SmtpSender("127.0.0.1", free_port(), sender="a@b.test", username="u", password="pw-s3cr3t", timeout=2)
    assert "pw-s3cr3t" not in repr(smtp)
    with pytest.raises(DeliveryError, match="ConnectionRefusedError") as err:
        smtp.send("x@y.test", "s", "b", "<1@b.test>")
    assert "pw-s3cr3t" not in str(err.value)
    with pytest.raises(SmtpConfigError, match="username"):
        SmtpSender("h", 25, sender="a@b.test", username="u")
    with pytest.raises(SmtpConfigError, match="70000"):
        SmtpSender("h", 70000, sender="a@b.test")
