"""Outbox on a real PostgreSQL with a real SMTP server and webhook receiver: once, retried, never twice."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from linky_pipeline.lib.notify.base import Sender
from linky_pipeline.lib.notify.channels import EmailChannel, WebhookChannel
from linky_pipeline.lib.notify.email import SmtpSender
from linky_pipeline.lib.notify.outbox import deliver_due, enqueue
from linky_pipeline.lib.notify.rules import enqueue_anomaly_notifications
from linky_pipeline.lib.notify.webhook import WebhookSender, verify_signature
from linky_pipeline.local.mailbox import LocalMailbox, free_port
from linky_pipeline_tests.support.notify_seed import add_rule, seed_building, seed_day_anomaly
from linky_pipeline_tests.support.webhooks import WEBHOOK_SECRET, WebhookReceiver

NOV = (date(2025, 11, 1), date(2025, 12, 1))


def senders(smtp_port: int, webhook: bool = True) -> dict[str, Sender]:
    out: dict[str, Sender] = {
        "email": EmailChannel(
            SmtpSender("127.0.0.1", smtp_port, sender="alertes@linky.test", timeout=3),
            dashboard_base_url="https://koprogo.com",
        ),
    }
    if webhook:
        out["webhook"] = WebhookChannel(WebhookSender(WEBHOOK_SECRET, timeout=3))
    return out


def rows(db: psycopg.Connection) -> list[tuple[object, ...]]:
    db.rollback()
    return db.execute(
        "SELECT channel, recipient, status, attempts, last_error FROM notifications ORDER BY id"
    ).fetchall()


def test_enqueue_matches_rules_and_routes_recipients(db: psycopg.Connection) -> None:
    meter = seed_building(db)
    big = seed_day_anomaly(db, meter, date(2025, 11, 15), 25.5, 10.0)  # 255 %
    small = seed_day_anomaly(db, meter, date(2025, 11, 20), 13.0, 10.0)  # 130 %
    seed_day_anomaly(db, meter, date(2025, 12, 2), 30.0, 10.0)  # outside the window
    add_rule(db, None, 120, ["email"], ["global@example.org"])
    add_rule(db, "res-verte", 150, ["email", "webhook"], ["syndic@example.org", "https://hooks.test/x"])
    created = enqueue_anomaly_notifications(db, "res-verte", *NOV)
    # Building rule replaces the global one; only the 255 % anomaly reaches 150 %; e-mail → address, webhook → URL.
    assert created == 2
    got = db.execute(
        "SELECT anomaly_id, channel, recipient, dedupe_key, payload FROM notifications ORDER BY channel"
    ).fetchall()
    assert [(g[0], g[1], g[2]) for g in got] == [
        (big, "email", "syndic@example.org"),
        (big, "webhook", "https://hooks.test/x"),
    ]
    assert got[0][3] == f"anomaly:{big}:email:syndic@example.org"
    payload = got[0][4]
    assert payload["building_name"] == "Résidence Verte" and payload["value_kwh"] == 25.5
    assert payload["avg_7d"] == 10.0 and payload["severity"] == "Critical"
    assert payload["meter_id"] == "22516914714270" and payload["ts"] == "2025-11-14T23:00:00+00:00"
    assert enqueue_anomaly_notifications(db, "res-verte", *NOV) == 0  # rerun: nothing new
    db.execute("DELETE FROM alert_rules WHERE building_code = 'res-verte'")
    assert enqueue_anomaly_notifications(db, "res-verte", *NOV) == 2  # now the global rule applies to both
    assert {
        r[0] for r in db.execute("SELECT anomaly_id FROM notifications WHERE recipient = 'global@example.org'")
    } == {big, small}


def test_metric_must_match(db: psycopg.Connection) -> None:
    meter = seed_building(db, prm="12655648759651", direction="production")
    seed_day_anomaly(db, meter, date(2025, 11, 15), 30.0, 10.0, metric="production")
    add_rule(db, None, 120, ["email"], ["a@example.org"], metric="consumption")
    assert enqueue_anomaly_notifications(db, "res-verte", *NOV) == 0
    add_rule(db, None, 120, ["email"], ["a@example.org"], metric="production")
    assert enqueue_anomaly_notifications(db, "res-verte", *NOV) == 1


def test_delivery_content_and_no_duplicate_on_rerun(
    db: psycopg.Connection, pg_url: str, mailbox: LocalMailbox, webhook_receiver: WebhookReceiver
) -> None:
    meter = seed_building(db)
    seed_day_anomaly(db, meter, date(2025, 11, 15), 25.5, 18.2)
    add_rule(db, "res-verte", 120, ["email", "webhook"], ["syndic@example.org", webhook_receiver.url])
    now = datetime.now(UTC)
    for _ in range(2):  # the whole thing twice: sensor tick retried, run re-executed
        enqueue_anomaly_notifications(db, "res-verte", *NOV)
        db.commit()
        deliver_due(pg_url, senders(mailbox.port), now)
    [msg] = mailbox.messages()
    assert msg["Subject"] == "⚠️ Surconsommation électrique - Bâtiment Résidence Verte"
    body = msg.get_content()
    assert "Date: 15/11/2025 (journée entière)" in body
    assert "Consommation: 25,50 kWh" in body and "Moyenne 7 jours: 18,20 kWh" in body and "+40,1%" in body
    assert "https://koprogo.com/buildings/res-verte/iot" in body
    [req] = webhook_receiver.received
    h = {k.lower(): v for k, v in req.headers.items()}
    assert verify_signature(WEBHOOK_SECRET, h["x-linky-timestamp"], req.body, h["x-linky-signature"], time.time())
    assert req.json()["data"]["building_name"] == "Résidence Verte"
    assert [(r[2], r[3], r[4]) for r in rows(db)] == [("sent", 1, None), ("sent", 1, None)]


def test_smtp_down_then_back_is_delivered_once(db: psycopg.Connection, pg_url: str, tmp_path: Path) -> None:
    meter = seed_building(db)
    seed_day_anomaly(db, meter, date(2025, 11, 15), 25.5, 10.0)
    add_rule(db, None, 120, ["email"], ["syndic@example.org"])
    enqueue_anomaly_notifications(db, "res-verte", *NOV)
    db.commit()
    port = free_port()
    now = datetime.now(UTC)
    report = deliver_due(pg_url, senders(port, webhook=False), now)
    assert (report.claimed, report.sent, report.retried) == (1, 0, 1)
    [(_, _, status, attempts, error)] = rows(db)
    assert (status, attempts) == ("pending", 1) and "smtp" in str(error)
    next_at = db.execute("SELECT next_attempt_at FROM notifications").fetchone()[0]
    assert next_at == now + timedelta(seconds=30)
    box = LocalMailbox(tmp_path / "mb", port=port).start()
    try:
        assert deliver_due(pg_url, senders(port, webhook=False), now + timedelta(seconds=5)).claimed == 0  # not due
        assert deliver_due(pg_url, senders(port, webhook=False), now + timedelta(seconds=31)).sent == 1
        assert deliver_due(pg_url, senders(port, webhook=False), now + timedelta(hours=2)).claimed == 0
        assert len(box.messages()) == 1
    finally:
        box.stop()
    [(_, _, status, attempts, error)] = rows(db)
    assert (status, attempts, error) == ("sent", 2, None)


def test_backoff_grows_and_row_goes_dead(
    db: psycopg.Connection, pg_url: str, webhook_receiver: WebhookReceiver
) -> None:
    url = webhook_receiver.url + "?token=do-not-store-me"
    enqueue(db, "run_failure", "run_failure:r1", None, "webhook", url, {"job_name": "nightly", "run_id": "r1"})
    db.commit()
    webhook_receiver.statuses = [503, 503, 503]
    now = datetime.now(UTC)
    delays = []
    for _ in range(3):
        report = deliver_due(
            pg_url, {"webhook": WebhookChannel(WebhookSender(WEBHOOK_SECRET))}, now, max_attempts=3, base_backoff_s=10
        )
        assert report.claimed == 1
        db.rollback()
        status, attempts, error, next_at = db.execute(
            "SELECT status, attempts, last_error, next_attempt_at FROM notifications"
        ).fetchone()
        delays.append((next_at - now).total_seconds())
        now = next_at
    assert delays == [10, 20, 40]
    assert (status, attempts, error) == ("dead", 3, "webhook: HTTP 503")
    assert (
        deliver_due(pg_url, {"webhook": WebhookChannel(WebhookSender(WEBHOOK_SECRET))}, now + timedelta(days=1)).claimed
        == 0
    )
    assert "do-not-store-me" not in str([r[4] for r in rows(db)])


def test_concurrent_deliverers_send_each_row_once(db: psycopg.Connection, pg_url: str, mailbox: LocalMailbox) -> None:
    for i in range(30):
        enqueue(
            db,
            "run_failure",
            f"run_failure:r{i}",
            None,
            "email",
            "ops@example.org",
            {"job_name": "nightly", "run_id": f"r{i}"},
        )
    db.commit()
    now = datetime.now(UTC)
    barrier = threading.Barrier(2)
    reports = []

    def work() -> None:
        barrier.wait()
        reports.append(deliver_due(pg_url, senders(mailbox.port, webhook=False), now))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(r.sent for r in reports) == 30
    ids = [m["Message-ID"] for m in mailbox.messages()]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert {r[2] for r in rows(db)} == {"sent"}


def test_channels_without_sender_are_left_pending(db: psycopg.Connection, pg_url: str, mailbox: LocalMailbox) -> None:
    enqueue(db, "run_failure", "k-web", None, "webhook", "https://hooks.test/x", {"job_name": "j", "run_id": "1"})
    enqueue(db, "run_failure", "k-mail", None, "email", "ops@example.org", {"job_name": "j", "run_id": "1"})
    assert not enqueue(db, "run_failure", "k-mail", None, "email", "ops@example.org", {"job_name": "j"})
    report = deliver_due(db, senders(mailbox.port, webhook=False), datetime.now(UTC))  # commits db's work first
    assert (report.claimed, report.sent) == (1, 1)
    assert sorted((r[0], r[2], r[3]) for r in rows(db)) == [("email", "sent", 1), ("webhook", "pending", 0)]


def test_bad_arguments_name_the_field(db: psycopg.Connection) -> None:
    from linky_pipeline.lib.notify.outbox import OutboxError

    with pytest.raises(OutboxError, match="'sms'"):
        enqueue(db, "anomaly", "k", None, "sms", "x", {})
    with pytest.raises(OutboxError, match="naive"):
        deliver_due(db, {}, datetime(2025, 1, 1))  # noqa: DTZ001 (the point of the test)
    with pytest.raises(OutboxError, match="'fax'"):
        deliver_due(
            db, {"fax": EmailChannel(SmtpSender("h", 25, sender="a@b.c"), dashboard_base_url="x")}, datetime.now(UTC)
        )
