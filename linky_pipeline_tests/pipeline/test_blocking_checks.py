"""A daily energy that does not add up blocks the monthly table and the anomalies of that run."""

from datetime import date

from linky_pipeline.defs.assets.aggregates import daily_consumption, monthly_consumption
from linky_pipeline.defs.assets.anomalies import consumption_anomalies
from linky_pipeline.defs.assets.readings import readings


def test_conservation_failure_blocks_downstream(db, building, run_pipeline) -> None:
    building("normal", ("22516914714270", "consumption"))
    assert run_pipeline(["normal"], date(2026, 9, 1), date(2026, 9, 1)).success
    monthly_before = db.execute("SELECT total_kwh FROM monthly_consumption").fetchone()
    # Corrupt the landed official figure of 2026-09-10 (doubled), as a wrong unit upstream would (2026 v2 body).
    db.execute("""
        UPDATE raw_load_curves SET payload = jsonb_set(payload, '{grandeur,0,points}', (
            SELECT jsonb_agg(CASE WHEN p->>'d' = '2026-09-10'
                                  THEN jsonb_set(p, '{v}', to_jsonb(((p->>'v')::bigint * 2)::text)) ELSE p END)
            FROM jsonb_array_elements(payload->'grandeur'->0->'points') p))
        WHERE endpoint = 'daily_consumption' AND api_version = '2026-v2'""")
    db.commit()
    result = run_pipeline(
        ["normal"],
        date(2026, 9, 1),
        date(2026, 9, 1),
        assets=[readings, daily_consumption, monthly_consumption, consumption_anomalies],
    )
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert not checks["curve_matches_official_daily_energy"].passed
    assert checks["curve_matches_official_daily_energy"].metadata["mismatched_days"].value == 1
    assert not result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "daily_consumption" in materialized
    assert not materialized & {"monthly_consumption", "consumption_anomalies"}
    db.rollback()
    assert db.execute("SELECT total_kwh FROM monthly_consumption").fetchone() == monthly_before
