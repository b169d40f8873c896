"""Alert rules (per building or global default) and their matching against anomalies into the outbox.

Functions here never commit: the CLI command or the Dagster asset/sensor owns the transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

import psycopg

from linky_pipeline.lib.domain.canonical import METRICS
from linky_pipeline.lib.domain.identifiers import InvalidValueError, header_safe
from linky_pipeline.lib.domain.identifiers import building_code as valid_building_code
from linky_pipeline.lib.notify.base import CHANNELS, NotifyError
from linky_pipeline.lib.store.sql import SqlFiles

SQL = SqlFiles(__name__)

SEVERITIES: Final = ("Minor", "Major", "Critical")
# What a rule compares with. The 7-day rule matches consumption_anomalies; the others match usage_alerts.
MOVING_AVERAGE: Final = "moving_average_7d"
THRESHOLD_TYPES: Final = (
    MOVING_AVERAGE,
    "subscribed_power",
    "standby_baseline_28d",
    "week_over_week_energy",
    "week_over_week_cost",
)
USAGE_DEFAULTS: Final = {
    "subscribed_power": 100.0,
    "standby_baseline_28d": 150.0,
    "week_over_week_energy": 130.0,
    "week_over_week_cost": 130.0,
}
# Deliberately simple: one @, no spaces, a dot in the domain. Real validation is the mail server's job.
# No control character either (CR/LF in a recipient is a header injection). Both are used with fullmatch.
EMAIL_RE: Final = re.compile(
    r"[^@\s,;<>\x00-\x1f\x7f-\x9f]+@[^@\s,;<>\x00-\x1f\x7f-\x9f]+\.[^@\s,;<>\x00-\x1f\x7f-\x9f]+"
)
URL_RE: Final = re.compile(r"https?://[^\s/?#\x00-\x1f\x7f-\x9f]+[^\s\x00-\x1f\x7f-\x9f]*", re.IGNORECASE)


class RuleValidationError(NotifyError, InvalidValueError):
    """A rule value is invalid; str() is one line naming the field and the value (CLI shows it, exit 2)."""


@dataclass(frozen=True)
class AlertRuleSpec:
    building_code: str | None
    metric: str
    threshold_percent: Decimal
    severity: str
    channels: tuple[str, ...]
    recipients: tuple[str, ...]
    threshold_type: str = field(default=MOVING_AVERAGE, kw_only=True)


@dataclass(frozen=True)
class AlertRule(AlertRuleSpec):
    id: int
    created_at: datetime


def is_webhook_recipient(recipient: str) -> bool:
    return bool(URL_RE.fullmatch(recipient))


def validate_rule(
    building_code: str | None,
    metric: str,
    threshold_percent: float | str | Decimal,
    severity: str,
    channels: list[str] | tuple[str, ...],
    recipients: list[str] | tuple[str, ...],
    threshold_type: str = MOVING_AVERAGE,
) -> AlertRuleSpec:
    """Normalise and check a rule before it touches the database (same limits as the table's CHECKs)."""
    kind = threshold_type.strip().lower()
    if kind not in THRESHOLD_TYPES:
        raise RuleValidationError("threshold type", threshold_type, f"expected one of {', '.join(THRESHOLD_TYPES)}")
    if building_code is not None:
        try:
            valid_building_code(building_code)
        except InvalidValueError as exc:
            raise RuleValidationError(exc.field, exc.value, exc.reason) from None
    metric_n = metric.strip().lower()
    if metric_n not in METRICS:
        raise RuleValidationError("metric", metric, f"expected one of {', '.join(METRICS)}")
    try:
        threshold = Decimal(str(threshold_percent).strip())
    except InvalidOperation:
        raise RuleValidationError("threshold percent", threshold_percent, "not a number") from None
    floor = Decimal(50) if kind == "subscribed_power" else Decimal(100)
    if not threshold.is_finite() or not floor < threshold <= Decimal(10000):
        example = "100 = at the subscribed power" if kind == "subscribed_power" else "120 = 20 % above the baseline"
        raise RuleValidationError(
            "threshold percent", threshold_percent, f"must be above {floor} (e.g. {example}) and at most 10000"
        )
    if kind != MOVING_AVERAGE and metric_n != "consumption":
        raise RuleValidationError("metric", metric, f"a {kind} rule watches consumption")
    threshold = threshold.quantize(Decimal("0.01"))
    severity_n = severity.strip().capitalize()
    if severity_n not in SEVERITIES:
        raise RuleValidationError("severity", severity, f"expected one of {', '.join(SEVERITIES)}")
    chans = tuple(dict.fromkeys(c.strip().lower() for c in channels))
    if not chans:
        raise RuleValidationError("channel", "", f"give at least one of {', '.join(CHANNELS)}")
    for chan in chans:
        if chan not in CHANNELS:
            raise RuleValidationError("channel", chan, f"expected one of {', '.join(CHANNELS)}")
    recips = tuple(dict.fromkeys(r.strip() for r in recipients))
    for recipient in recips:
        try:
            header_safe("recipient", recipient)
        except InvalidValueError as exc:
            raise RuleValidationError(exc.field, exc.value, exc.reason) from None
    if not recips:
        raise RuleValidationError("recipient", "", "give at least one e-mail address or http(s) URL")
    for recipient in recips:
        webhook = is_webhook_recipient(recipient)
        if not webhook and not EMAIL_RE.fullmatch(recipient):
            raise RuleValidationError("recipient", recipient, "expected an e-mail address or an http(s) URL")
        if webhook and "webhook" not in chans:
            raise RuleValidationError("recipient", recipient, "a URL needs --channel webhook")
        if not webhook and "email" not in chans:
            raise RuleValidationError("recipient", recipient, "an e-mail address needs --channel email")
    for chan in chans:
        if not any(is_webhook_recipient(r) == (chan == "webhook") for r in recips):
            kind = "an http(s) URL" if chan == "webhook" else "an e-mail address"
            raise RuleValidationError("channel", chan, f"no recipient for it: add {kind} with --recipient")
    return AlertRuleSpec(building_code, metric_n, threshold, severity_n, chans, recips, threshold_type=kind)


def add_rule(conn: psycopg.Connection, spec: AlertRuleSpec) -> int:
    """Insert a validated rule; unknown building rejected with the code in the message. Returns the id."""
    if spec.building_code is not None:
        found = conn.execute("SELECT 1 FROM buildings WHERE code = %s", (spec.building_code,)).fetchone()
        if found is None:
            raise RuleValidationError("building", spec.building_code, "no such building (see `buildings list`)")
    row = conn.execute(
        "INSERT INTO alert_rules (building_code, metric, threshold_percent, severity, channels, recipients,"
        " threshold_type) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            spec.building_code,
            spec.metric,
            spec.threshold_percent,
            spec.severity,
            list(spec.channels),
            list(spec.recipients),
            spec.threshold_type,
        ),
    ).fetchone()
    assert row is not None
    return int(row[0])


def list_rules(conn: psycopg.Connection, building_code: str | None = None) -> list[AlertRule]:
    """All rules (global first), or those of one building plus the global ones."""
    rows = conn.execute(
        "SELECT id, building_code, metric, threshold_percent, severity, channels, recipients, created_at,"
        " threshold_type FROM alert_rules WHERE %(b)s::text IS NULL OR building_code = %(b)s OR building_code IS NULL"
        " ORDER BY building_code NULLS FIRST, threshold_type, threshold_percent, id",
        {"b": building_code},
    ).fetchall()
    return [
        AlertRule(
            id=r[0],
            building_code=r[1],
            metric=r[2],
            threshold_percent=r[3],
            severity=r[4],
            channels=tuple(r[5]),
            recipients=tuple(r[6]),
            created_at=r[7],
            threshold_type=r[8],
        )
        for r in rows
    ]


def remove_rule(conn: psycopg.Connection, rule_id: int) -> None:
    """Delete a rule; an unknown id is a user error, not a silent no-op."""
    if conn.execute("DELETE FROM alert_rules WHERE id = %s RETURNING id", (rule_id,)).fetchone() is None:
        raise RuleValidationError("rule id", rule_id, "no such alert rule (see `alerts list`)")


def enqueue_anomaly_notifications(
    conn: psycopg.Connection,
    building_code: str,
    day_from: date,
    day_to: date,
    *,
    now: datetime | None = None,
) -> int:
    """Outbox rows for the building's anomalies with local_day in [day_from, day_to); returns rows created.

    Idempotent: dedupe_key = f"anomaly:{anomaly_id}:{channel}:{recipient}" with ON CONFLICT DO NOTHING, so a
    re-run sensor tick or asset run adds nothing. Does not commit.
    """
    if day_to <= day_from:
        raise RuleValidationError("day range", f"{day_from}..{day_to}", "day_to must be after day_from")
    if now is not None and now.tzinfo is None:
        raise RuleValidationError("now", now.isoformat(), "must be timezone-aware")
    cur = conn.execute(
        SQL["enqueue_anomalies"],
        {"building_code": building_code, "day_from": day_from, "day_to": day_to, "now": now},
    )
    return cur.rowcount


def detection_thresholds(conn: psycopg.Connection, building_code: str) -> dict[str, float]:
    """Per usage-alert type, the lowest threshold of the rules that apply to the building (its own rules of that
    type, else the global ones), else the default: detection must find everything some rule may want sent."""
    rows = conn.execute(SQL["usage_thresholds"], {"building_code": building_code}).fetchall()
    found = {str(kind): float(value) for kind, value in rows}
    return {kind: found.get(kind, default) for kind, default in USAGE_DEFAULTS.items()}


def enqueue_usage_alert_notifications(
    conn: psycopg.Connection,
    building_code: str,
    day_from: date,
    day_to: date,
    *,
    now: datetime | None = None,
) -> int:
    """Outbox rows for the building's usage alerts with local_day in [day_from, day_to) and the rules of their type
    they reach; dedupe_key usage_alert:{alert_id}:{channel}:{recipient}, so each is sent once. Does not commit."""
    if day_to <= day_from:
        raise RuleValidationError("day range", f"{day_from}..{day_to}", "day_to must be after day_from")
    if now is not None and now.tzinfo is None:
        raise RuleValidationError("now", now.isoformat(), "must be timezone-aware")
    cur = conn.execute(
        SQL["enqueue_usage_alerts"],
        {"building_code": building_code, "day_from": day_from, "day_to": day_to, "now": now},
    )
    return cur.rowcount
