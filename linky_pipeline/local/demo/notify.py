"""The demo's notifications: the same sensor and delivery job as production, into a local SMTP mailbox."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg

from linky_pipeline.defs.automation.monthly_report import monthly_report_email_sensor
from linky_pipeline.defs.automation.notifications import anomaly_notification_sensor, deliver_notifications
from linky_pipeline.defs.automation.usage_alert_sensor import usage_alert_notification_sensor
from linky_pipeline.defs.resources.notifier import NotifierResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.notify.rules import AlertRuleSpec, add_rule, list_rules
from linky_pipeline.lib.store.db import connect
from linky_pipeline.local.mailbox import LocalMailbox
from linky_pipeline.local.stack import LocalStack

DEMO_RECIPIENT = "syndic@example.org"


def ensure_demo_rule(database_url: str) -> None:
    """Global rules unless the user already has rules: the 7-day rule (120 %) and max power above the subscribed
    kVA (100 %), both by e-mail."""
    with connect(database_url) as conn:
        if not list_rules(conn):
            for kind, threshold in (("moving_average_7d", 120), ("subscribed_power", 100)):
                add_rule(
                    conn,
                    AlertRuleSpec(
                        building_code=None,
                        metric="consumption",
                        threshold_percent=Decimal(threshold),
                        severity="Minor",
                        channels=("email",),
                        recipients=(DEMO_RECIPIENT,),
                        threshold_type=kind,
                    ),
                )


def deliver_demo_notifications(stack: LocalStack) -> tuple[int, int]:
    """(e-mails delivered now, e-mails in the mailbox): a second demo run sends nothing new."""
    ensure_demo_rule(stack.database_url)
    warehouse = WarehouseResource(database_url=stack.database_url)
    mailbox = LocalMailbox(stack.mailbox).start()
    before = len(mailbox.paths())
    try:
        with dg.DagsterInstance.get() as instance:
            with dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse}) as context:
                anomaly_notification_sensor(context)
            for sensor in (usage_alert_notification_sensor, monthly_report_email_sensor):
                with dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse}) as context:
                    sensor(context)
            notifier = NotifierResource(
                smtp_host="127.0.0.1",
                smtp_port=str(mailbox.port),
                smtp_starttls="false",
                smtp_sender="linky-demo@example.org",
            )
            deliver_notifications.execute_in_process(
                instance=instance, resources={"warehouse": warehouse, "notifier": notifier}
            )
        return len(mailbox.paths()) - before, len(mailbox.paths())
    finally:
        mailbox.stop()
