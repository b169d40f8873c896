"""A building whose only meter holds the hand load of support/hand_costs.py, rebuilt like the assets do."""

from __future__ import annotations

from datetime import date

import pandas as pd
import psycopg

from linky_pipeline.lib.domain.identifiers import gs1_complete
from linky_pipeline.lib.domain.localtime import days_in_range, next_month
from linky_pipeline.lib.domain.registry import add_building, add_meter, building_months
from linky_pipeline.lib.tables.cost import rebuild_daily_cost, rebuild_monthly_cost
from linky_pipeline.lib.tables.daily import rebuild_daily
from linky_pipeline.lib.tables.monthly import rebuild_monthly
from linky_pipeline.lib.tables.rebuild import rebuild_partitions
from linky_pipeline_tests.support.hand_costs import day_intervals

REFERENCE = date(2026, 11, 23)


def hand_building(db: psycopg.Connection, code: str, ean17: str, months: list[date]) -> int:
    """An imported-file meter (no API horizon: its days are the days its readings cover); returns its pk."""
    add_building(db, code, code.title(), "Europe/Paris")
    meter = add_meter(db, code, "be_csv", gs1_complete(ean17), "consumption")
    frames = [day_intervals(day) for month in months for day in days_in_range(month, next_month(month))]
    frame = pd.concat(frames, ignore_index=True)
    with db.cursor().copy("COPY readings (meter_pk, metric, ts, interval_s, kwh, quality, source) FROM STDIN") as copy:
        for ts, interval_s, kwh in frame.itertuples(index=False):
            copy.write_row((meter.pk, "consumption", ts.to_pydatetime(), interval_s, kwh, "hand", "test"))
    db.commit()
    return meter.pk


def rebuild_costs(pg_url: str, db: psycopg.Connection, code: str, months: list[date]) -> None:
    """daily_consumption → monthly_consumption, daily_cost → monthly_cost, one transaction per building-month."""
    partitions = building_months(db, [(code, m) for m in months])

    def connect() -> psycopg.Connection:
        return psycopg.connect(pg_url)

    rebuild_partitions(connect, partitions, lambda c, bm, m: rebuild_daily(c, bm, m, REFERENCE))
    rebuild_partitions(connect, partitions, rebuild_monthly)
    rebuild_partitions(connect, partitions, rebuild_daily_cost)
    rebuild_partitions(connect, partitions, rebuild_monthly_cost)
