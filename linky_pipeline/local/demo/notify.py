"""The demo's alert rule: the daemon's anomaly sensor and delivery job (as in production) send to it."""

from __future__ import annotations

from decimal import Decimal

from linky_pipeline.lib.notify.rules import AlertRuleSpec, add_rule, list_rules
from linky_pipeline.lib.store.db import connect

DEMO_RECIPIENT = "syndic@example.org"


def ensure_demo_rule(database_url: str) -> None:
    """A global rule (120 %, e-mail) unless the user already has rules."""
    with connect(database_url) as conn:
        if not list_rules(conn):
            add_rule(
                conn,
                AlertRuleSpec(
                    building_code=None,
                    metric="consumption",
                    threshold_percent=Decimal(120),
                    severity="Minor",
                    channels=("email",),
                    recipients=(DEMO_RECIPIENT,),
                ),
            )
