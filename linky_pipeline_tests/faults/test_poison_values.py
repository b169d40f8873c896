"""Issue 17 §1, the exact scenario: a 9e12 W curve point, an official daily 9e12 Wh and a 9e12 VA peak from the API,
a 20-digit kWh and a value overflowing to infinity in a Belgian CSV. Before the fix the first blocked the building's
readings on every run (CheckViolation readings_kwh_check), the second its monthly and anomalies, the CSV values were
accepted. Now each is quarantined (kept as received, flagged, reported, notified once per meter and day) and every
other reading of the run lands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from linky_pipeline.defs.assets.aggregates import daily_consumption
from linky_pipeline.defs.assets.readings import readings
from linky_pipeline.lib.domain.registry import add_building, add_meter
from linky_pipeline.lib.notify.rules import AlertRuleSpec, add_rule
from linky_pipeline.lib.notify.templates import render_email
from linky_pipeline.lib.sources.plausibility import PlausibilityBounds
from linky_pipeline.lib.sync.csv_import import import_csv
from linky_pipeline_tests.faults.conftest import ALPHA_PRM, BUILDINGS, MONTH
from linky_pipeline_tests.support.belgian_files import EAN
from linky_pipeline_tests.support.fault_proxy import FaultProxy, Rule, set_point_value
from linky_pipeline_tests.support.fault_runs import FaultRig, check_verdict, failed_checks, implausible_readings

pytestmark = pytest.mark.faults
OCTOBER_READINGS = 31 * 48 + 2  # Europe/Paris, 25-hour day on 2026-10-25


def _alert_recipient(url: str) -> None:
    with psycopg.connect(url) as conn:
        spec = AlertRuleSpec(None, "consumption", Decimal(120), "Minor", ("email",), ("syndic@example.org",))
        add_rule(conn, spec)
        conn.commit()


def test_api_poison_values_are_quarantined_and_every_other_reading_lands(
    rig: FaultRig, proxy: FaultProxy, db: psycopg.Connection
) -> None:
    _alert_recipient(rig.pg_url)
    poison = "9000000000000"
    for path, index in (("courbe_de_charge_consommation", 10), ("consommation_quotidienne", 3)):
        proxy.add(Rule("mutate", path=path, query=ALPHA_PRM, times=1, mutate=set_point_value(poison, index)))
    proxy.add(Rule("mutate", path="puissance_conso_max", query=ALPHA_PRM, times=1, mutate=set_point_value("9e12", 4)))

    result = rig.run(BUILDINGS, MONTH, MONTH)

    assert result.success
    assert failed_checks(result) == {"no_implausible_value", "complete_days"}  # WARN both: the point is missing
    [incomplete] = [e for e in result.get_asset_check_evaluations() if e.check_name == "complete_days" and not e.passed]
    assert incomplete.partition is not None and "alpha" in str(incomplete.partition)
    _, reported = check_verdict(result, "no_implausible_value", "implausible_values")
    assert list(reported) == [f"alpha/{ALPHA_PRM}"] and len(reported[f"alpha/{ALPHA_PRM}"]) == 3
    assert any(
        "consumption_load_curve 2026-10-01T03:00:00+00:00 (1800 s): 4500000000.0 kWh" in line
        for line in reported[f"alpha/{ALPHA_PRM}"]
    )
    db.rollback()
    # kept in the landing table as received
    landed = db.execute("SELECT count(*) FROM raw_load_curves WHERE payload::text LIKE %s", (f"%{poison}%",))
    assert landed.fetchone() == (2,)
    flagged = db.execute(
        "SELECT endpoint, local_day, value, unit, limit_value, reason FROM implausible_values ORDER BY local_day"
    ).fetchall()
    assert flagged == [
        ("consumption_load_curve", date(2026, 10, 1), 4.5e9, "kWh", 125.0, "above_limit"),
        ("daily_consumption", date(2026, 10, 4), 9e9, "kWh", 6250.0, "above_limit"),
        ("daily_consumption_max_power", date(2026, 10, 5), 9e12, "VA", 250000.0, "above_limit"),
    ]
    # every other reading, day, month of every meter
    per_meter = dict(
        db.execute(
            "SELECT m.meter_id, count(*) FROM readings r JOIN meters m ON m.id = r.meter_pk GROUP BY 1"
        ).fetchall()
    )
    assert per_meter == {
        ALPHA_PRM: OCTOBER_READINGS - 1,
        "12345678901234": OCTOBER_READINGS,
        "10284856584123": OCTOBER_READINGS,
    }
    assert implausible_readings(rig.pg_url) == 0
    day4 = db.execute(
        "SELECT source_used, official_kwh IS NULL FROM daily_consumption d JOIN meters m ON m.id = d.meter_pk "
        "WHERE m.meter_id = %s AND day = '2026-10-04'",
        (ALPHA_PRM,),
    ).fetchone()
    assert day4 == ("curve", True)
    assert db.execute("SELECT count(*) FROM daily_max_power").fetchone() == (2 * 31 - 1,)  # two consumption meters
    assert db.execute("SELECT count(*) FROM monthly_consumption").fetchone() == (3,)
    # one notification per meter and day, naming the interval and the value
    sent = db.execute(
        "SELECT payload->>'day', payload->'points'->0->>'value' FROM notifications WHERE kind = 'implausible_value' "
        "ORDER BY 1"
    ).fetchall()
    assert sent == [("2026-10-01", "4500000000.0"), ("2026-10-04", "9000000000.0"), ("2026-10-05", "9000000000000.0")]
    payload = db.execute("SELECT payload FROM notifications WHERE payload->>'day' = '2026-10-01'").fetchone()[0]
    email = render_email("implausible_value", payload, dashboard_base_url="https://example.org")
    assert ALPHA_PRM in email.body and "01/10/2026 05:00" in email.body and "4500000000.0 kWh" in email.body

    # a second run lands nothing new and notifies nothing again
    again = rig.run(BUILDINGS, MONTH, MONTH)
    assert again.success
    db.rollback()
    assert db.execute("SELECT count(*) FROM notifications WHERE kind = 'implausible_value'").fetchone() == (3,)


def test_bounds_come_from_the_environment(
    rig: FaultRig, proxy: FaultProxy, db: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stricter site limit (LINKY_PLAUSIBLE_MAX_VA) quarantines what the default lets through."""
    monkeypatch.setenv("LINKY_PLAUSIBLE_MAX_VA", "2400")
    assert PlausibilityBounds.from_env().max_power_va == 2400
    result = rig.run(["alpha"], MONTH, MONTH)
    assert result.success
    db.rollback()
    peaks_above = db.execute("SELECT count(*) FROM implausible_values WHERE unit = 'VA'").fetchone()[0]
    assert peaks_above > 0
    assert db.execute("SELECT count(*) FROM daily_max_power").fetchone() == (31 - peaks_above,)
    assert db.execute("SELECT max(max_power_va) FROM daily_max_power").fetchone()[0] <= 2400


HEADER = (
    "From (date);From (time);Until (date);Until (time);EAN code;Meter;Meter type;Register;Volume;Unit;"
    "Validation status;Description"
)


def _row(start: str, end: str, volume: str) -> str:
    return f'28/10/2023;{start};28/10/2023;{end};="{EAN}";1SAG1;Digital meter;Offtake Day;{volume};kWh;Read;'


def test_csv_twenty_digit_and_infinite_kwh_are_quarantined_and_the_file_imported(
    db: psycopg.Connection, run_pipeline: Callable[..., dg.ExecuteInProcessResult], tmp_path: Path
) -> None:
    add_building(db, "gent", "Gent", "Europe/Brussels")
    add_meter(db, "gent", "be_csv", EAN, "consumption")
    db.commit()
    lines = [
        _row("00:00:00", "00:15:00", "0,120"),
        _row("00:15:00", "00:30:00", "12345678901234567890"),  # 20 digits
        _row("00:30:00", "00:45:00", "9" * 400 + ",5"),  # overflows a double: infinity
        _row("00:45:00", "01:00:00", "0,130"),
    ]
    path = tmp_path / "export.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")

    report = import_csv(db, "gent", path)
    db.commit()

    assert [(m.rows_in_file, m.rows_stored, m.quarantined) for m in report.months] == [(4, 2, 2)]
    assert len(report.quarantined) == 2 and any("Infinity kWh (not_finite" in q for q in report.quarantined)
    doc = db.execute("SELECT payload FROM raw_load_curves").fetchone()[0]
    assert [r[2] for r in doc["rows"]] == [0.12, 0.13]
    assert [r[2] for r in doc["quarantined"]] == ["1.2345678901234567e+19", "Infinity"]
    assert db.execute("SELECT reason, unit FROM implausible_values ORDER BY interval_start").fetchall() == [
        ("above_limit", "kWh"),
        ("not_finite", "kWh"),
    ]
    result = run_pipeline(["gent"], date(2023, 10, 1), date(2023, 10, 1), assets=[readings, daily_consumption])
    assert result.success
    assert db.execute("SELECT kwh FROM readings ORDER BY ts").fetchall() == [(0.12,), (0.13,)]
    # a corrected export replaces the quarantined intervals and resolves them
    fixed = [_row("00:15:00", "00:30:00", "0,125"), _row("00:30:00", "00:45:00", "0,126")]
    path.write_text("\n".join([HEADER, *fixed]) + "\n", encoding="utf-8")
    import_csv(db, "gent", path)
    db.commit()
    doc = db.execute("SELECT payload FROM raw_load_curves").fetchone()[0]
    assert "quarantined" not in doc and [r[2] for r in doc["rows"]] == [0.12, 0.125, 0.126, 0.13]
    assert db.execute("SELECT count(*) FROM implausible_values WHERE resolved_at IS NULL").fetchone() == (0,)
