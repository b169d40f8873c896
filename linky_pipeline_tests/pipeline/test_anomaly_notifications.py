"""Anomalies found in the sandbox's data reach a real SMTP server once, even when everything runs twice."""

from datetime import date, timedelta

import dagster as dg
import pytest

from linky_pipeline.defs.automation.notifications import anomaly_notification_sensor, deliver_notifications
from linky_pipeline.defs.resources.definitions import WarehouseResource
from linky_pipeline.defs.resources.notifier import NotifierResource
from linky_pipeline.lib.notify.rules import AlertRuleSpec, add_rule
from linky_pipeline.local.mailbox import LocalMailbox
from linky_pipeline.sandbox.anomalies import injected_anomalies

PRM = "22516914714270"


@pytest.fixture
def mailbox(tmp_path):
    box = LocalMailbox(tmp_path / "mailbox").start()
    yield box
    box.stop()


def _notify_cycle(instance: dg.DagsterInstance, pg_url: str, mailbox: LocalMailbox, cursor: str | None) -> str:
    warehouse = WarehouseResource(database_url=pg_url)
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": warehouse})
    result = anomaly_notification_sensor(context)
    notifier = NotifierResource(
        smtp_host="127.0.0.1", smtp_port=str(mailbox.port), smtp_starttls="false", smtp_sender="linky@example.org"
    )
    assert deliver_notifications.execute_in_process(
        resources={"warehouse": warehouse, "notifier": notifier}, instance=instance
    ).success
    return result.cursor if isinstance(result, dg.SensorResult) else cursor


def test_detected_anomalies_are_mailed_once(db, building, run_pipeline, pg_url, mailbox) -> None:
    building("normal", (PRM, "consumption"))
    add_rule(
        db,
        AlertRuleSpec(
            building_code=None,
            metric="consumption",
            threshold_percent=120,
            severity="Minor",
            channels=("email",),
            recipients=("syndic@example.org",),
        ),
    )
    db.commit()
    with dg.instance_for_test() as instance:
        assert run_pipeline(["normal"], date(2026, 5, 1), date(2026, 8, 1), instance=instance).success
        injected = {
            a.local_day
            for a in injected_anomalies(PRM, "consumption", date(2026, 5, 15), date(2026, 9, 1))
            if a.granularity == "day"
        }
        found = {
            r[0]
            for r in db.execute(
                "SELECT local_day FROM consumption_anomalies WHERE granularity = 'day' AND local_day >= '2026-05-15'"
            ).fetchall()
        }
        assert injected and injected <= found
        total = db.execute("SELECT count(*) FROM consumption_anomalies").fetchone()[0]

        cursor = _notify_cycle(instance, pg_url, mailbox, None)
        first = mailbox.messages()
        assert len(first) == total > 0
        assert any("Surconsommation électrique - Bâtiment Normal" in str(m["Subject"]) for m in first)

        assert run_pipeline(["normal"], date(2026, 5, 1), date(2026, 8, 1), instance=instance).success
        _notify_cycle(instance, pg_url, mailbox, cursor)
        _notify_cycle(instance, pg_url, mailbox, None)  # even a sensor that lost its cursor sends nothing new
        assert len(mailbox.messages()) == total
        db.rollback()
        assert db.execute("SELECT count(*) FROM notifications WHERE status = 'sent'").fetchone() == (total,)


def test_anomaly_rows_are_stable_across_reruns(db, building, run_pipeline) -> None:
    building("holes", ("42900589957123", "consumption"))
    assert run_pipeline(["holes"], date(2026, 1, 1), date(2026, 3, 1)).success
    before = db.execute("SELECT anomaly_id, severity FROM consumption_anomalies ORDER BY 1").fetchall()
    assert run_pipeline(["holes"], date(2026, 2, 1), date(2026, 2, 1)).success
    db.rollback()
    assert db.execute("SELECT anomaly_id, severity FROM consumption_anomalies ORDER BY 1").fetchall() == before
    gaps = db.execute(
        "SELECT DISTINCT extract(isodow FROM day)::int FROM daily_consumption WHERE source_used = 'none'"
    ).fetchall()
    assert {g[0] for g in gaps} <= {2, 3}  # the sandbox's Tuesday/Wednesday holes, and nothing else


def test_consent_expiring_within_30_days_is_noticed_once(db, building, pg_url, mailbox) -> None:
    from datetime import UTC, datetime

    from linky_pipeline.defs.automation.notifications import consent_expiry_sensor

    building("normal", (PRM, "consumption"))
    building("later", ("42900589957123", "consumption"))
    db.execute(
        "UPDATE meters SET consent_start = now() - interval '3 years', consent_end = %s WHERE meter_id = %s",
        (datetime.now(UTC) + timedelta(days=20), PRM),
    )
    db.execute("UPDATE meters SET consent_end = now() + interval '90 days' WHERE meter_id = '42900589957123'")
    add_rule(
        db,
        AlertRuleSpec(
            building_code=None,
            metric="consumption",
            threshold_percent=120,
            severity="Minor",
            channels=("email",),
            recipients=("syndic@example.org",),
        ),
    )
    db.commit()
    warehouse = WarehouseResource(database_url=pg_url)
    with dg.instance_for_test() as instance:
        first = consent_expiry_sensor(dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse}))
        assert isinstance(first, dg.RunRequest)
        again = consent_expiry_sensor(dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse}))
        assert isinstance(again, dg.SkipReason)
        _notify_cycle(instance, pg_url, mailbox, None)
    subjects = [str(m["Subject"]) for m in mailbox.messages()]
    assert subjects == ["Consentement Linky bientôt expiré - Bâtiment Normal"]
