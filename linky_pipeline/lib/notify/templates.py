"""Texts of the notifications: the seed's French anomaly e-mail, short operational e-mails, webhook JSON.

Everything is rendered from the outbox payload alone, so a retry days later sends the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from linky_pipeline.lib.notify.base import KINDS, TemplateError

WEBHOOK_EVENTS: Final = {
    "anomaly": "anomaly.detected",
    "consent_expiry": "consent.expiring",
    "consent_lost": "consent.lost",
    "run_failure": "run.failed",
    "usage_alert": "usage_alert.detected",
    "monthly_report": "report.monthly",
    "empty_answer": "data.empty_answer",
    "implausible_value": "data.implausible_value",
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    attachment: str | None = None  # path of a file to attach (the monthly report's PDF)


def _need(kind: str, payload: dict[str, Any], key: str) -> Any:
    if payload.get(key) is None:
        raise TemplateError(f"{kind} payload is missing field {key!r}")
    return payload[key]


def dashboard_url(base_url: str, building_code: str) -> str:
    """The seed's link (https://koprogo.com/buildings/{id}/iot) with a configurable base."""
    return f"{base_url.rstrip('/')}/buildings/{building_code}/iot"


def local_datetime(ts_iso: str, timezone: str) -> str:
    """dd/mm/YYYY HH:MM in the building's zone: the reader thinks in local time, storage is UTC."""
    try:
        instant = datetime.fromisoformat(ts_iso)
    except (TypeError, ValueError):
        raise TemplateError(f"payload field 'ts' is not an ISO timestamp: {ts_iso!r}") from None
    if instant.tzinfo is None:
        raise TemplateError(f"payload field 'ts' must carry an offset, got {ts_iso!r}")
    return instant.astimezone(ZoneInfo(timezone)).strftime("%d/%m/%Y %H:%M")


def french_number(value: float, decimals: int = 2) -> str:
    """1234.5 → "1234,50": French decimal comma, no thousands separator (copy-paste friendly)."""
    return f"{float(value):.{decimals}f}".replace(".", ",")


def render_anomaly_email(payload: dict[str, Any], *, dashboard_base_url: str) -> RenderedEmail:
    """The seed's "Email Template" with our values; day anomalies say they cover the whole day."""
    name = _need("anomaly", payload, "building_name")
    code = _need("anomaly", payload, "building_code")
    when = local_datetime(_need("anomaly", payload, "ts"), payload.get("timezone") or "Europe/Paris")
    if payload.get("granularity") == "day":
        when = f"{when[:10]} (journée entière)"
    variance = float(_need("anomaly", payload, "variance_percent"))
    body = "\n".join(
        [
            "Bonjour,",
            "",
            "Une surconsommation électrique anormale a été détectée :",
            "",
            "📊 Détails:",
            f"- Date: {when}",
            f"- Consommation: {french_number(_need('anomaly', payload, 'value_kwh'))} kWh",
            f"- Moyenne 7 jours: {french_number(_need('anomaly', payload, 'avg_7d'))} kWh",
            f"- Écart: +{french_number(variance, 1)}%",
            f"- Sévérité: {_need('anomaly', payload, 'severity')}",
            *([f"- Compteur: {payload['meter_id']}"] if payload.get("meter_id") else []),
            "",
            "🔍 Causes possibles:",
            "- Appareil défectueux consommant en continu",
            "- Chauffage électrique mal régulé",
            "- Fuite électrique",
            "- Utilisation intensive ponctuelle",
            "",
            "👉 Actions recommandées:",
            "- Vérifier installations électriques communes",
            "- Interroger propriétaires sur utilisation récente",
            "- Faire vérifier par électricien si anomalie persiste",
            "",
            "Consultez le dashboard IoT pour plus de détails:",
            dashboard_url(dashboard_base_url, code),
            "",
            "Cordialement,",
            "L'équipe KoproGo",
            "",
        ]
    )
    return RenderedEmail(subject=f"⚠️ Surconsommation électrique - Bâtiment {name}", body=body)


def render_consent_expiry_email(payload: dict[str, Any], *, dashboard_base_url: str) -> RenderedEmail:
    """Sent ~30 days ahead so the syndic can renew before data stops."""
    name = _need("consent_expiry", payload, "building_name")
    meter = _need("consent_expiry", payload, "meter_id")
    end = local_datetime(_need("consent_expiry", payload, "consent_end"), payload.get("timezone") or "Europe/Paris")
    body = (
        f"Bonjour,\n\nLe consentement d'accès aux données du compteur {meter} (bâtiment {name}) expire le "
        f"{end[:10]}.\nSans renouvellement, la collecte des données s'arrêtera à cette date.\n\n"
        f"Renouveler le consentement : {dashboard_url(dashboard_base_url, payload.get('building_code', ''))}\n\n"
        "Cordialement,\nL'équipe KoproGo\n"
    )
    return RenderedEmail(subject=f"Consentement Linky bientôt expiré - Bâtiment {name}", body=body)


def render_consent_lost_email(payload: dict[str, Any], *, dashboard_base_url: str) -> RenderedEmail:
    """The provider refused access (403 / revoked): nothing is fetched until consent is given again."""
    name = _need("consent_lost", payload, "building_name")
    meter = _need("consent_lost", payload, "meter_id")
    reason = payload.get("reason") or "consentement introuvable ou révoqué"
    body = (
        f"Bonjour,\n\nL'accès aux données du compteur {meter} (bâtiment {name}) a été refusé par le "
        f"gestionnaire de réseau ({reason}).\nLa collecte est suspendue pour ce compteur.\n\n"
        f"Reconfigurer l'accès : {dashboard_url(dashboard_base_url, payload.get('building_code', ''))}\n\n"
        "Cordialement,\nL'équipe KoproGo\n"
    )
    return RenderedEmail(subject=f"Accès Linky perdu - Bâtiment {name}", body=body)


def render_run_failure_email(payload: dict[str, Any], *, dashboard_base_url: str) -> RenderedEmail:
    """For operators: which run failed and where to look."""
    job = _need("run_failure", payload, "job_name")
    run_id = _need("run_failure", payload, "run_id")
    error = str(payload.get("error") or "")[:1000]
    link = payload.get("run_url") or dashboard_base_url
    body = f"Run {run_id} of job {job} failed.\n\n{error}\n\nDetails: {link}\n"
    return RenderedEmail(subject=f"[linky_pipeline] run failed: {job}", body=body)


_USAGE_TITLES: Final = {
    "subscribed_power": "Puissance souscrite dépassée",
    "standby_baseline_28d": "Hausse de la consommation de veille",
    "week_over_week_energy": "Hausse de la consommation hebdomadaire",
    "week_over_week_cost": "Hausse du coût hebdomadaire",
}
_USAGE_ADVICE: Final = {
    "subscribed_power": "Le compteur tolère de courts dépassements : vérifier les appareils lancés en même temps avant "
    "d'augmenter la puissance souscrite.",
    "standby_baseline_28d": "Un appareil reste peut-être allumé la nuit (chauffage, pompe, éclairage commun).",
    "week_over_week_energy": "Comparer avec l'occupation et la météo de la semaine.",
    "week_over_week_cost": "Comparer avec l'occupation de la semaine et les jours Tempo rouges éventuels.",
}


def render_usage_alert_email(payload: dict[str, Any], *, dashboard_base_url: str) -> RenderedEmail:
    """Max power, standby and week-over-week alerts: the message says what, when and compared with what."""
    name = _need("usage_alert", payload, "building_name")
    rule = str(_need("usage_alert", payload, "rule"))
    body = "\n".join(
        [
            "Bonjour,",
            "",
            f"{_need('usage_alert', payload, 'message')}.",
            "",
            f"- Sévérité: {_need('usage_alert', payload, 'severity')}",
            f"- Rapport à la référence: {french_number(float(_need('usage_alert', payload, 'ratio_percent')), 0)}%",
            *([f"- Compteur: {payload['meter_id']}"] if payload.get("meter_id") else []),
            "",
            _USAGE_ADVICE.get(rule, ""),
            "",
            "Consultez le dashboard IoT pour plus de détails:",
            dashboard_url(dashboard_base_url, str(payload.get("building_code", ""))),
            "",
            "Cordialement,",
            "L'équipe KoproGo",
            "",
        ]
    )
    return RenderedEmail(subject=f"⚠️ {_USAGE_TITLES.get(rule, 'Alerte')} - Bâtiment {name}", body=body)


def render_monthly_report_email(payload: dict[str, Any], *, dashboard_base_url: str) -> RenderedEmail:
    """The monthly energy report, its PDF attached."""
    name = _need("monthly_report", payload, "building_name")
    month = str(_need("monthly_report", payload, "month_label"))
    lines = [
        "Bonjour,",
        "",
        f"Veuillez trouver ci-joint le rapport énergétique de {month} pour le bâtiment {name}.",
        "",
        f"- Consommation: {french_number(float(_need('monthly_report', payload, 'kwh')), 0)} kWh",
    ]
    if payload.get("total_eur") is not None:
        lines.append(f"- Coût: {french_number(float(payload['total_eur']))} €")
    lines += [
        f"- Complétude des données: {french_number(100 * float(payload.get('completeness') or 0), 1)}%",
        "",
        dashboard_url(dashboard_base_url, str(payload.get("building_code", ""))),
        "",
        "Cordialement,",
        "L'équipe KoproGo",
        "",
    ]
    return RenderedEmail(
        subject=f"Rapport énergétique {month} - Bâtiment {name}",
        body="\n".join(lines),
        attachment=str(_need("monthly_report", payload, "pdf_path")),
    )


def render_empty_answer_email(payload: dict[str, Any], *, dashboard_base_url: str) -> RenderedEmail:
    """The API answered 200 with no measure for days it should have: the data is missing, not zero."""
    name = _need("empty_answer", payload, "building_name")
    meter = _need("empty_answer", payload, "meter_id")
    days = [str(d) for d in _need("empty_answer", payload, "days")]
    shown = ", ".join(days[:10]) + (f" (+{len(days) - 10})" if len(days) > 10 else "")
    body = (
        f"Bonjour,\n\nLe gestionnaire de réseau a répondu sans aucune mesure pour le compteur {meter} (bâtiment "
        f"{name}) pour {len(days)} jour(s) : {shown}.\nCes jours restent marqués manquants (rien n'a été enregistré "
        "comme zéro) et seront redemandés.\n\n"
        f"Tableau de bord : {dashboard_url(dashboard_base_url, payload.get('building_code', ''))}\n\n"
        "Cordialement,\nL'équipe KoproGo\n"
    )
    return RenderedEmail(subject=f"Données Linky absentes - Bâtiment {name}", body=body)


def render_implausible_value_email(payload: dict[str, Any], *, dashboard_base_url: str) -> RenderedEmail:
    """A value no meter can measure was set aside (quarantined) for one meter and day; the rest was imported."""
    name = _need("implausible_value", payload, "building_name")
    meter = _need("implausible_value", payload, "meter_id")
    day = _need("implausible_value", payload, "day")
    points = list(_need("implausible_value", payload, "points"))
    lines = [
        f"  - {p.get('endpoint')} {local_datetime(str(p.get('interval_start')), str(payload.get('timezone')))}: "
        f"{p.get('value')} {p.get('unit')} (limite {p.get('limit')} {p.get('unit')})"
        for p in points[:20]
    ]
    more = [f"  (+{len(points) - 20})"] if len(points) > 20 else []
    body = (
        f"Bonjour,\n\nLe compteur {meter} (bâtiment {name}) a transmis pour le {day} une ou plusieurs valeurs "
        "physiquement impossibles. Elles ont été mises en quarantaine (conservées telles que reçues, non importées "
        "dans les relevés) ; les autres mesures ont été importées normalement :\n"
        + "\n".join([*lines, *more])
        + f"\n\nTableau de bord : {dashboard_url(dashboard_base_url, payload.get('building_code', ''))}\n\n"
        "Cordialement,\nL'équipe KoproGo\n"
    )
    return RenderedEmail(subject=f"Valeur invraisemblable écartée - Bâtiment {name}", body=body)


_RENDERERS: Final = {
    "anomaly": render_anomaly_email,
    "consent_expiry": render_consent_expiry_email,
    "consent_lost": render_consent_lost_email,
    "run_failure": render_run_failure_email,
    "usage_alert": render_usage_alert_email,
    "monthly_report": render_monthly_report_email,
    "empty_answer": render_empty_answer_email,
    "implausible_value": render_implausible_value_email,
}


def render_email(kind: str, payload: dict[str, Any], *, dashboard_base_url: str) -> RenderedEmail:
    """Dispatch on notifications.kind."""
    if kind not in _RENDERERS:
        raise TemplateError(f"unknown notification kind {kind!r}, expected one of {', '.join(KINDS)}")
    return _RENDERERS[kind](payload, dashboard_base_url=dashboard_base_url)


def webhook_payload(
    kind: str, payload: dict[str, Any], *, delivery_id: str, dashboard_base_url: str | None = None
) -> dict[str, Any]:
    """JSON body for webhooks: stable (no send time inside) so a redelivery carries the same body."""
    if kind not in WEBHOOK_EVENTS:
        raise TemplateError(f"unknown notification kind {kind!r}, expected one of {', '.join(KINDS)}")
    body: dict[str, Any] = {"event": WEBHOOK_EVENTS[kind], "delivery_id": delivery_id, "data": payload}
    if dashboard_base_url and payload.get("building_code"):
        body["dashboard_url"] = dashboard_url(dashboard_base_url, str(payload["building_code"]))
    if kind in ("anomaly", "usage_alert", "monthly_report"):
        body["text"] = _RENDERERS[kind](payload, dashboard_base_url=dashboard_base_url or "").subject
    return body
