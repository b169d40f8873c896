"""The cost views as the BI role reads them: local keys, totals in exact euros, comparisons per meter."""

from __future__ import annotations

from datetime import UTC, datetime, time

from linky_pipeline_tests.support.bi_data import PARIS, BiData
from linky_pipeline_tests.support.deploy import BiLogin


def test_daily_and_monthly_cost_views(bi_login: BiLogin, bi_data: BiData) -> None:
    with bi_login.connect() as conn:
        rows = conn.execute(
            "SELECT day, day_start, total_eur, partial FROM bi.daily_cost WHERE building_code = 'hq' ORDER BY day"
        ).fetchall()
        assert {r[0]: r[2] for r in rows} == bi_data.daily_cost
        for day, day_start, _, _ in rows:
            assert day_start == datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)
        assert sum(1 for r in rows if r[3]) == 1
        periods = conn.execute(
            "SELECT day, sum(energy_eur) FROM bi.daily_cost_periods WHERE building_code = 'hq' GROUP BY day"
        ).fetchall()
        assert {d: e + 1 for d, e in periods} == bi_data.daily_cost
        months = conn.execute(
            "SELECT month, total_eur, previous_month_eur, mom_change_pct FROM bi.monthly_cost ORDER BY month"
        ).fetchall()
    assert len(months) >= 2
    (first, total_1, prev_1, _), (_, total_2, prev_2, pct_2) = months[0], months[1]
    assert prev_1 is None and prev_2 == total_1
    assert float(pct_2) == float(100 * (total_2 - total_1) / total_1)
    assert sum(m[1] for m in months) == sum(bi_data.daily_cost.values())
    assert first <= min(bi_data.daily_cost)
