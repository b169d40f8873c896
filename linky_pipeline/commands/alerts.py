"""`linky-pipeline alerts add|list|remove`: alert rules per building or global default."""

from __future__ import annotations

import click

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib.notify import rules

_PARAM_HINT = {
    "building": "'--building'",
    "building code": "'--building'",
    "metric": "'--metric'",
    "threshold percent": "'--threshold-percent'",
    "severity": "'--severity'",
    "channel": "'--channel'",
    "recipient": "'--recipient'",
    "rule id": "'ID'",
    "threshold type": "'--type'",
}


def _bad(exc: rules.RuleValidationError) -> click.BadParameter:
    """One line naming the option and the value; exit code 2."""
    return click.BadParameter(f"{exc.value!r}: {exc.reason}", param_hint=_PARAM_HINT.get(exc.field, exc.field))


_BASELINES = {
    "moving_average_7d": "7-day average",
    "subscribed_power": "subscribed power",
    "standby_baseline_28d": "28-night standby median",
    "week_over_week_energy": "previous week's kWh",
    "week_over_week_cost": "previous week's €",
}


@click.group()
def alerts() -> None:
    """Alert rules: when an anomaly is worth an e-mail or a webhook, and to whom."""


@alerts.command("add")
@click.option("--building", default=None, help="Building code the rule applies to.")
@click.option("--global", "is_global", is_flag=True, help="Default rule for buildings that have no rule of their own.")
@click.option("--metric", default="consumption", show_default=True, help="consumption or production.")
@click.option(
    "--type",
    "threshold_type",
    default=rules.MOVING_AVERAGE,
    show_default=True,
    help="moving_average_7d (day/interval vs 7-day average), subscribed_power (daily max power vs subscribed kVA), "
    "standby_baseline_28d (night base load vs 28-night median), week_over_week_energy or week_over_week_cost.",
)
@click.option(
    "--threshold-percent",
    default=None,
    help="Alert at this % of the baseline: default 120 (7-day average), 100 (subscribed power), 150 (standby), "
    "130 (week over week).",
)
@click.option("--severity", default="Minor", show_default=True, help="Minor, Major or Critical (label of the rule).")
@click.option("--channel", "channels", multiple=True, required=True, help="email or webhook (repeatable).")
@click.option(
    "--recipient",
    "recipients",
    multiple=True,
    required=True,
    help="E-mail address (email channel) or http(s) URL (webhook channel); repeatable.",
)
def alerts_add(
    building: str | None,
    is_global: bool,
    metric: str,
    threshold_type: str,
    threshold_percent: str | None,
    severity: str,
    channels: tuple[str, ...],
    recipients: tuple[str, ...],
) -> None:
    """Add an alert rule (nothing is written if any value is rejected)."""
    if (building is None) == (not is_global):
        raise click.UsageError("give exactly one of --building CODE or --global")
    try:
        threshold = threshold_percent or str(int(rules.USAGE_DEFAULTS.get(threshold_type.strip().lower(), 120)))
        spec = rules.validate_rule(building, metric, threshold, severity, channels, recipients, threshold_type)
    except rules.RuleValidationError as exc:
        raise _bad(exc) from None
    with warehouse() as conn:
        try:
            rule_id = rules.add_rule(conn, spec)
        except rules.RuleValidationError as exc:
            raise _bad(exc) from None
    scope = f"building {spec.building_code}" if spec.building_code else "global default"
    click.echo(
        f"added alert rule {rule_id} ({scope}, {spec.metric} ≥ {spec.threshold_percent}% of "
        f"{_BASELINES[spec.threshold_type]}, "
        f"{spec.severity}, {'+'.join(spec.channels)} → {', '.join(spec.recipients)})"
    )


@alerts.command("list")
@click.option("--building", default=None, help="Only this building's rules and the global ones.")
def alerts_list(building: str | None) -> None:
    """List alert rules (tab-separated: id, scope, metric, threshold %, severity, channels, recipients, type)."""
    with warehouse() as conn:
        found = rules.list_rules(conn, building)
    for r in found:
        click.echo(
            "\t".join(
                [
                    str(r.id),
                    r.building_code or "(global)",
                    r.metric,
                    str(r.threshold_percent),
                    r.severity,
                    ",".join(r.channels),
                    ",".join(r.recipients),
                    r.threshold_type,
                ]
            )
        )


@alerts.command("remove")
@click.argument("rule_id", metavar="ID", type=int)
def alerts_remove(rule_id: int) -> None:
    """Remove an alert rule by id."""
    with warehouse() as conn:
        try:
            rules.remove_rule(conn, rule_id)
        except rules.RuleValidationError as exc:
            raise _bad(exc) from None
    click.echo(f"removed alert rule {rule_id}")
