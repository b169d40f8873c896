"""The 2026 contract summary, `GET /synth_contrat_auto/v1/{prm}`, in the shapes different captures show.

The shape depends on the PRM modulo 3 so the client's defensive parser meets each of them: segments as
strings or objects, services_level as a number or text, the activation instant with a `+01:00` or `+0100` offset or
as a bare day, the subscribed power as {"value", "unit"}, "6 kVA" or a number, bare or under "synthese_contrat".
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from linky_pipeline.lib.domain.localtime import PARIS
from linky_pipeline.sandbox.metering import ApiError
from linky_pipeline.sandbox.meters import METERS


def _instant(day: date, colon: bool) -> str:
    text = datetime.combine(day, time(0), tzinfo=PARIS).isoformat()
    return text if colon else text[:-3] + text[-2:]


def contract_body(prm: str) -> dict[str, Any]:
    """The summary of a sandbox PRM (404 for an unknown one, like the metering APIs)."""
    spec = METERS.get(prm)
    if spec is None:
        raise ApiError(404, "STM-ERR-0000019", "Unknown usage point or user not authorized for it")
    if spec.consent_revoked:
        raise ApiError(403, "ADAM-DC-0008", "No consent can be found for this customer and this usage point.")
    variant = int(prm) % 3
    body: dict[str, Any] = {
        "segments": ["C5"] if variant == 0 else [{"segment": "C5"}],
        "services_level": 2 if variant == 0 else "2",
        "last_subscribed_power_change_date": _instant(spec.activation, colon=variant == 0),
    }
    when = spec.activation.isoformat() if variant == 2 else _instant(spec.activation, colon=variant == 0)
    if "consumption" in spec.directions:
        body["consumption_last_activation_date"] = when
        kva = spec.subscribed_kva
        body["subscribed_power"] = (
            {"value": f"{kva:g}", "unit": "kVA"} if variant == 0 else f"{kva:g} kVA" if variant == 1 else kva
        )
    if "production" in spec.directions:
        body["generation_last_activation_date"] = when
    return {"synthese_contrat": body} if variant == 2 else body
