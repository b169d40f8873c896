"""Metering endpoints over real HTTP: shapes of every generation, each test meter's documented outcome."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest

from linky_pipeline.sandbox import SandboxServer
from linky_pipeline_tests.support.sandbox_client import new_token

pytestmark = pytest.mark.http

PRM = "22516914714270"
CLC = "/metering_data_clc/v5/consumption_load_curve"
PLC = "/metering_data_plc/v5/production_load_curve"
DC = "/metering_data_dc/v5/daily_consumption"
DP = "/metering_data_dp/v5/daily_production"
DCMP = "/metering_data_dcmp/v5/daily_consumption_max_power"


def _get(api: httpx.Client, path: str, prm: str, start: str, end: str) -> httpx.Response:
    return api.get(path, params={"usage_point_id": prm, "start": start, "end": end})


@pytest.mark.parametrize(
    ("path", "reading_type", "count"),
    [
        (CLC, {"unit": "W", "measurement_kind": "power", "aggregate": "average"}, 48 * 7),
        (DC, {"unit": "Wh", "measurement_kind": "energy", "aggregate": "sum", "measuring_period": "P1D"}, 7),
        (DCMP, {"unit": "VA", "measurement_kind": "power", "aggregate": "maximum", "measuring_period": "P1D"}, 7),
    ],
)
def test_v5_shapes(api: httpx.Client, path: str, reading_type: dict[str, str], count: int) -> None:
    response = _get(api, path, PRM, "2026-11-02", "2026-11-09")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    reading = response.json()["meter_reading"]
    assert {k: reading[k] for k in ("usage_point_id", "start", "end", "quality")} == {
        "usage_point_id": PRM,
        "start": "2026-11-02",
        "end": "2026-11-09",
        "quality": "BRUT",
    }
    assert reading["reading_type"] == reading_type
    points = reading["interval_reading"]
    assert len(points) == count
    assert all(isinstance(v, str) for p in points for v in p.values())
    if path == CLC:
        assert points[0] == {
            **points[0],
            "date": "2026-11-02 00:30:00",
            "interval_length": "PT30M",
            "measure_type": "B",
        }
        assert points[-1]["date"] == "2026-11-09 00:00:00"
    elif path == DC:
        assert [p["date"] for p in points] == [f"2026-11-0{d}" for d in range(2, 9)]
    else:
        assert points[0]["date"].startswith("2026-11-02 ") and len(points[0]["date"]) == 19


def test_mesures_v1_equals_v5(api: httpx.Client) -> None:
    for name, v5 in (("consumption_load_curve", CLC), ("daily_consumption", DC), ("daily_consumption_max_power", DCMP)):
        v1 = _get(api, f"/mesure_synchrone_auto/v1/metering_data/{name}", PRM, "2026-10-01", "2026-10-08")
        assert v1.status_code == 200
        assert v1.content == _get(api, v5, PRM, "2026-10-01", "2026-10-08").content


def test_v2_shapes_match_v5_values(api: httpx.Client) -> None:
    params = {"pointId": PRM, "dateDebut": "2026-09-29", "dateFin": "2026-10-01"}
    curve = api.get("/mesure_synchrone_auto/v2/courbe_de_charge_consommation", params=params).json()
    assert {k: curve[k] for k in ("idPrm", "etapeMetier", "periode", "modeCalcul", "contexte")} == {
        "idPrm": PRM,
        "etapeMetier": "BRUT",
        "periode": {"dateDebut": "2026-09-29", "dateFin": "2026-10-01"},
        "modeCalcul": "MESURE",
        "contexte": [],
    }
    assert "pas" not in curve
    (grandeur,) = curve["grandeur"]
    assert (grandeur["grandeurMetier"], grandeur["grandeurPhysique"], grandeur["unite"]) == ("CONS", "PA", "W")
    assert grandeur["calendrier"] == []
    assert grandeur["points"][0] == {**grandeur["points"][0], "d": "2026-09-29 00:30:00", "p": "PT30M", "n": "B"}
    v5 = _get(api, CLC, PRM, "2026-09-29", "2026-10-01").json()["meter_reading"]["interval_reading"]
    assert [(p["v"], p["d"]) for p in grandeur["points"]] == [(p["value"], p["date"]) for p in v5]

    daily = api.get("/mesure_synchrone_auto/v2/consommation_quotidienne", params=params).json()
    assert daily["pas"] == "P1D"
    (grandeur,) = daily["grandeur"]
    assert (grandeur["grandeurPhysique"], grandeur["unite"]) == ("EA", "Wh")
    assert [p["d"] for p in grandeur["points"]] == ["2026-09-29", "2026-09-30"]
    assert all("p" not in p for p in grandeur["points"])

    peak = api.get(
        "/mesure_synchrone_auto/v2/puissance_conso_max_quotidienne",
        params={**params, "mesuresPas": "P1D", "grandeurPhysique": "PMA"},
    ).json()
    assert (peak["grandeur"][0]["grandeurPhysique"], peak["grandeur"][0]["unite"]) == ("PMA", "VA")

    prod = api.get(
        "/mesure_synchrone_auto/v2/production_quotidienne",
        params={"pointId": "10284856584123", "dateDebut": "2026-06-01", "dateFin": "2026-06-03"},
    ).json()
    assert prod["grandeur"][0]["grandeurMetier"] == "PROD"


def test_v2_errors_name_v2_fields(api: httpx.Client) -> None:
    response = api.get(
        "/mesure_synchrone_auto/v2/consommation_quotidienne",
        params={"pointId": "12", "dateDebut": "x", "dateFin": "2026-11-02"},
    )
    assert response.status_code == 400
    assert "pointId" in response.json()["error_description"]


@pytest.mark.parametrize(
    "params",
    [
        {"usage_point_id": PRM, "dateDebut": "2026-11-01", "dateFin": "2026-11-02"},  # the PRM under its v5 name
        {"pointId": PRM, "dateDebut": "2026-11-01", "date_fin": "2026-11-02"},  # misspelt
        {"pointId": PRM, "dateDebut": "2026-11-01", "dateFin": "2026-11-02", "grandeurPhysique": "PMA"},  # not here
    ],
)
def test_v2_requests_outside_the_contract_answer_500_like_the_gateway(api: httpx.Client, params: dict) -> None:
    response = api.get("/mesure_synchrone_auto/v2/consommation_quotidienne", params=params)
    assert response.status_code == 500 and response.json()["error"] == "technical_error"


def test_v2_answers_json_labelled_as_a_byte_stream(api: httpx.Client) -> None:
    params = {"pointId": PRM, "dateDebut": "2026-11-01", "dateFin": "2026-11-02"}
    v2 = api.get("/mesure_synchrone_auto/v2/consommation_quotidienne", params=params)
    assert v2.headers["Content-Type"] == "application/octet-stream" and v2.json()["idPrm"] == PRM
    assert _get(api, DC, PRM, "2026-11-01", "2026-11-02").headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("path", "prm", "start", "end", "status", "code"),
    [
        (DC, "123", "2026-11-01", "2026-11-02", 400, "Invalid_request"),
        (DC, PRM, "2026-11-1", "2026-11-02", 400, "Invalid_request"),
        (DC, "00000000000000", "2026-11-01", "2026-11-02", 404, "STM-ERR-0000019"),
        (DC, PRM, "2026-11-02", "2026-11-02", 400, "Invalid_request"),
        (DC, PRM, "2026-11-20", "2026-11-24", 400, "Invalid_request"),
        (CLC, PRM, "2026-11-01", "2026-11-09", 400, "ADAM-DC-0015"),
        (DC, PRM, "2025-01-01", "2026-01-02", 400, "Invalid_request"),
        (CLC, PRM, "2024-11-07", "2024-11-09", 400, "ADAM-ERR0125"),
        (DC, PRM, "2023-11-07", "2023-11-09", 400, "ADAM-ERR0125"),
        (DC, "11453290002823", "2019-08-20", "2019-08-30", 400, "ADAM-ERR0123"),
        (CLC, "32320647321714", "2026-11-01", "2026-11-02", 404, "no_data_found"),
        (DC, "24880057139941", "2026-11-01", "2026-11-02", 400, "ADAM-ERR0069"),
        (PLC, PRM, "2026-11-01", "2026-11-02", 400, "ADAM-ERR0069"),
        (DCMP, "10284856584123", "2026-11-01", "2026-11-02", 400, "ADAM-ERR0069"),
        (DC, "26584978546985", "2026-11-01", "2026-11-02", 403, "ADAM-DC-0008"),
        (CLC, "42900589957123", "2026-11-03", "2026-11-05", 404, "no_data_found"),
    ],
)
def test_documented_errors(
    api: httpx.Client, path: str, prm: str, start: str, end: str, status: int, code: str
) -> None:
    response = _get(api, path, prm, start, end)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert body["error_description"]


def test_end_today_is_allowed_and_d_minus_1_is_last(api: httpx.Client) -> None:
    points = _get(api, DC, PRM, "2026-11-20", "2026-11-23").json()["meter_reading"]["interval_reading"]
    assert [p["date"] for p in points] == ["2026-11-20", "2026-11-21", "2026-11-22"]


def test_history_limits_are_inclusive(api: httpx.Client) -> None:
    assert _get(api, CLC, PRM, "2024-11-08", "2024-11-09").status_code == 200
    assert _get(api, DC, PRM, "2023-11-08", "2023-11-09").status_code == 200
    assert _get(api, DC, "11453290002823", "2023-11-08", "2023-11-10").status_code == 200


def test_curve_not_enabled_still_has_daily_and_max_power(api: httpx.Client) -> None:
    for path in (DC, DCMP):
        assert (
            len(
                _get(api, path, "32320647321714", "2026-11-01", "2026-11-05").json()["meter_reading"][
                    "interval_reading"
                ]
            )
            == 4
        )


def test_holes_on_tuesday_and_wednesday(api: httpx.Client) -> None:
    curve = _get(api, CLC, "42900589957123", "2026-11-02", "2026-11-09").json()["meter_reading"]["interval_reading"]
    days = {date.fromisoformat(p["date"][:10]) - timedelta(days=p["date"].endswith("00:00:00")) for p in curve}
    assert sorted(d.weekday() for d in days) == [0, 3, 4, 5, 6]
    daily = _get(api, DC, "42900589957123", "2026-11-02", "2026-11-09").json()["meter_reading"]["interval_reading"]
    assert [p["date"] for p in daily] == ["2026-11-02", "2026-11-05", "2026-11-06", "2026-11-07", "2026-11-08"]


def test_one_customer_two_prms_and_self_consumption(api: httpx.Client) -> None:
    assert _get(api, DC, "12345678901234", "2026-07-01", "2026-07-02").status_code == 200
    assert _get(api, DP, "10284856584123", "2026-07-01", "2026-07-02").status_code == 200
    for path in (CLC, PLC, DC, DP, DCMP):
        assert _get(api, path, "12655648759651", "2026-07-01", "2026-07-02").status_code == 200
    summer = _get(api, DP, "12655648759651", "2026-07-01", "2026-07-08").json()["meter_reading"]["interval_reading"]
    assert all(int(p["value"]) > 0 for p in summer)
    assert _get(api, DC, "99999999999991", "2026-09-29", "2026-10-01").status_code == 200


def test_interval_change_inside_one_response(api: httpx.Client) -> None:
    curve = _get(api, CLC, "63695879465986", "2025-06-12", "2025-06-19").json()["meter_reading"]["interval_reading"]
    lengths = [p["interval_length"] for p in curve]
    assert lengths[:72] == ["PT60M"] * 72 and lengths[72:] == ["PT30M"] * (48 * 4)


def test_dst_days_over_http(api: httpx.Client) -> None:
    spring = _get(api, CLC, PRM, "2026-03-29", "2026-03-30").json()["meter_reading"]["interval_reading"]
    autumn = _get(api, CLC, PRM, "2025-10-26", "2025-10-27").json()["meter_reading"]["interval_reading"]
    assert len(spring) == 46 and len(autumn) == 50
    labels = [p["date"][11:16] for p in autumn]
    assert labels[3:8] == ["02:00", "02:30", "03:00", "02:30", "03:00"]


def test_conservation_over_http(api: httpx.Client) -> None:
    for prm, start in ((PRM, "2026-01-05"), ("64975835695673", "2026-03-26"), ("22315546958763", "2025-10-22")):
        end = (date.fromisoformat(start) + timedelta(days=7)).isoformat()
        curve = _get(api, CLC, prm, start, end).json()["meter_reading"]["interval_reading"]
        daily = _get(api, DC, prm, start, end).json()["meter_reading"]["interval_reading"]
        minutes = {"PT10M": 10, "PT15M": 15, "PT30M": 30, "PT60M": 60}
        total_curve = sum(int(p["value"]) * minutes[p["interval_length"]] / 60 for p in curve)
        total_daily = sum(int(p["value"]) for p in daily)
        assert abs(total_curve - total_daily) / total_daily < 0.01


def test_same_request_same_bytes(api: httpx.Client, server: SandboxServer) -> None:
    first = _get(api, CLC, PRM, "2026-02-01", "2026-02-08")
    with SandboxServer(settings=server.settings.snapshot()) as other, httpx.Client(base_url=other.url) as client:
        client.headers["Authorization"] = f"Bearer {new_token(client)}"
        second = _get(client, CLC, PRM, "2026-02-01", "2026-02-08")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert json.loads(first.content)["meter_reading"]["interval_reading"]


def test_unknown_path_is_404(api: httpx.Client) -> None:
    assert api.get("/metering_data_clc/v4/consumption_load_curve").status_code == 404


def test_concurrent_requests_match_sequential_answers(api: httpx.Client) -> None:
    """The demo fetches in parallel: cold caches hit from many threads must give the same bytes."""
    from concurrent.futures import ThreadPoolExecutor

    windows = [
        (prm, f"2025-0{m}-01", f"2025-0{m}-08") for prm in ("22315546958763", "12345678901234") for m in range(1, 7)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda w: _get(api, CLC, *w), windows))
    assert all(r.status_code == 200 for r in parallel)
    assert [r.content for r in parallel] == [_get(api, CLC, *w).content for w in windows]
