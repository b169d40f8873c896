"""An injected peak day and an injected standby rise each reach the mailbox once, through the asset, the sensor
and the outbox, even when everything runs twice; thresholds are per building."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import dagster as dg
import psycopg
import pytest

from linky_pipeline.defs.assets.usage_alerts import usage_alerts
from linky_pipeline.defs.automation.notifications import deliver_notifications
from linky_pipeline.defs.automation.runs import rectangle_tags
from linky_pipeline.defs.automation.usage_alert_sensor import usage_alert_notification_sensor
from linky_pipeline.defs.resources.notifier import NotifierResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.identifiers import gs1_complete
from linky_pipeline.lib.domain.registry import add_building, add_meter, building_months
from linky_pipeline.lib.notify.rules import AlertRuleSpec, add_rule
from linky_pipeline.lib.tables.daily import rebuild_daily
from linky_pipeline.lib.tables.rebuild import rebuild_partitions
from linky_pipeline.local.mailbox import LocalMailbox
from linky_pipeline_tests.support.usage_load import PEAK_DAY, RISE_NIGHT, readings

MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


@pytest.fixture
def mailbox(tmp_path):
    box = LocalMailbox(tmp_path / "mailbox").start()
    yield box
    box.stop()


def _building(db: psycopg.Connection, pg_url: str, code: str, ean17: str) -> int:
    add_building(db, code, code.title(), "Europe/Paris")
    meter = add_meter(db, code, "be_csv", gs1_complete(ean17), "consumption")
    db.execute("UPDATE meters SET subscribed_kva = 9 WHERE id = %s", (meter.pk,))  # as the contract API would
    with db.cursor().copy("COPY readings (meter_pk, metric, ts, interval_s, kwh, quality, source) FROM STDIN") as copy:
        for _, ts, interval_s, kwh in readings(meter.pk).itertuples(index=False):
            copy.write_row((meter.pk, "consumption", ts.to_pydatetime(), interval_s, kwh, "test", "test"))
    db.commit()
    partitions = building_months(db, [(code, m) for m in MONTHS])
    rebuild_partitions(
        lambda: psycopg.connect(pg_url), partitions, lambda c, bm, m: rebuild_daily(c, bm, m, date(2026, 11, 23))
    )
    return meter.pk


def _rule(db: psycopg.Connection, kind: str, building: str | None = None, threshold: int = 100) -> None:
    add_rule(
        db,
        AlertRuleSpec(building, "consumption", Decimal(threshold), "Major", ("email",), ("syndic@example.org",),
                      threshold_type=kind),
    )  # fmt: skip
    db.commit()


def _cycle(instance: dg.DagsterInstance, pg_url: str, mailbox: LocalMailbox, buildings: list[str]) -> None:
    warehouse = WarehouseResource(database_url=pg_url)
    tags = rectangle_tags(buildings[0], buildings[-1], MONTHS[0], MONTHS[-1])
    assert dg.materialize([usage_alerts], instance=instance, resources={"warehouse": warehouse}, tags=tags).success
    context = dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse})
    usage_alert_notification_sensor(context)
    notifier = NotifierResource(
        smtp_host="127.0.0.1", smtp_port=str(mailbox.port), smtp_starttls="false", smtp_sender="linky@example.org"
    )
    assert deliver_notifications.execute_in_process(
        resources={"warehouse": warehouse, "notifier": notifier}, instance=instance
    ).success


def _subjects(mailbox: LocalMailbox) -> list[str]:
    import email
    from email import policy

    return sorted(
        str(email.message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"]) for p in mailbox.paths()
    )


def test_peak_day_and_standby_rise_are_each_mailed_once(db, pg_url, mailbox) -> None:
    _building(db, pg_url, "res", "54144800000000011")
    _rule(db, "subscribed_power")
    _rule(db, "standby_baseline_28d", threshold=150)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("building", ["res"])
        _cycle(instance, pg_url, mailbox, ["res"])
        first = _subjects(mailbox)
        _cycle(instance, pg_url, mailbox, ["res"])
        assert _subjects(mailbox) == first
    assert first == [
        "⚠️ Hausse de la consommation de veille - Bâtiment Res",
        "⚠️ Puissance souscrite dépassée - Bâtiment Res",
    ]
    alerts = db.execute("SELECT rule, local_day FROM usage_alerts ORDER BY rule, local_day").fetchall()
    # the rise also lifts that week's energy (+60 %): detected with the default threshold, but no rule asks for it
    assert alerts == [
        ("standby_baseline_28d", RISE_NIGHT),
        ("subscribed_power", PEAK_DAY),
        ("week_over_week_energy", date(2026, 3, 22)),
    ]
    assert db.execute("SELECT count(*) FROM notifications WHERE kind = 'usage_alert'").fetchone()[0] == 2


def test_thresholds_are_per_building(db, pg_url, mailbox) -> None:
    _building(db, pg_url, "calm", "54144800000000012")
    _building(db, pg_url, "touchy", "54144800000000013")
    _rule(db, "subscribed_power", threshold=150)  # global: 13.5 kVA, the 12-kVA peak stays below
    _rule(db, "subscribed_power", building="touchy", threshold=100)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("building", ["calm", "touchy"])
        _cycle(instance, pg_url, mailbox, ["calm", "touchy"])
    assert _subjects(mailbox) == ["⚠️ Puissance souscrite dépassée - Bâtiment Touchy"]
    rows = db.execute("SELECT building_code FROM usage_alerts WHERE rule = 'subscribed_power'").fetchall()
    assert rows == [("touchy",)]
