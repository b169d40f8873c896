"""Asset checks that query the database for the run's building-months (they never load the asset).

ERROR + blocking where data would be wrong (negative energy, overlapping or future intervals, a curve that does
not add up to the official daily energy): downstream aggregates then do not build. WARN for gaps (real meters
have them; they are reported, not hidden).
"""

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import list_meters
from linky_pipeline.lib.store.timescale.server import failed_jobs
from linky_pipeline.lib.tables.checks import CONSERVATION_TOLERANCE, daily_findings, readings_findings

_ERROR = dg.AssetCheckSeverity.ERROR
_WARN = dg.AssetCheckSeverity.WARN
READINGS_CHECKS = [
    dg.AssetCheckSpec(names.NO_NEGATIVE_KWH, asset="readings", blocking=True),
    dg.AssetCheckSpec(names.NO_OVERLAPPING_INTERVAL, asset="readings", blocking=True),
    dg.AssetCheckSpec(names.NO_FUTURE_INTERVAL, asset="readings", blocking=True),
    dg.AssetCheckSpec(names.TIMESCALEDB_JOBS_SUCCEED, asset="readings", blocking=False),
]
DAILY_CHECKS = [
    dg.AssetCheckSpec(names.CURVE_MATCHES_OFFICIAL, asset="daily_consumption", blocking=True),
    dg.AssetCheckSpec(names.COMPLETE_DAYS, asset="daily_consumption", blocking=False),
]


def readings_check_results(warehouse: WarehouseResource, partitions: list[BuildingMonth]) -> list[dg.AssetCheckResult]:
    with warehouse.connect() as conn:
        found = [readings_findings(conn, bm, list_meters(conn, bm.building)) for bm in partitions]
        failures = failed_jobs(conn)
    counts = {
        names.NO_NEGATIVE_KWH: sum(f.negative_kwh for f in found),
        names.NO_OVERLAPPING_INTERVAL: sum(f.overlapping_intervals for f in found),
        names.NO_FUTURE_INTERVAL: sum(f.future_intervals for f in found),
    }
    return [
        *(
            dg.AssetCheckResult(check_name=name, passed=bad == 0, severity=_ERROR, metadata={"bad_rows": bad})
            for name, bad in counts.items()
        ),
        dg.AssetCheckResult(  # WARN: compression/retention lagging is not wrong data, but must not go unnoticed
            check_name=names.TIMESCALEDB_JOBS_SUCCEED,
            passed=not failures,
            severity=_WARN,
            metadata={"failed_jobs": [f.describe() for f in failures]},
        ),
    ]


def daily_check_results(
    warehouse: WarehouseResource, partitions: list[BuildingMonth]
) -> tuple[list[dg.AssetCheckResult], int]:
    """Check results plus the number of expected days with no data at all (gaps)."""
    with warehouse.connect() as conn:
        found = [daily_findings(conn, bm, list_meters(conn, bm.building)) for bm in partitions]
    mismatched = sum(f.mismatched_days for f in found)
    incomplete = sum(f.incomplete_days for f in found)
    gaps = sum(f.gap_days for f in found)
    return [
        dg.AssetCheckResult(
            check_name=names.CURVE_MATCHES_OFFICIAL,
            passed=mismatched == 0,
            severity=_ERROR,
            metadata={"mismatched_days": mismatched, "tolerance": CONSERVATION_TOLERANCE},
        ),
        dg.AssetCheckResult(
            check_name=names.COMPLETE_DAYS,
            passed=incomplete == 0,
            severity=_WARN,
            metadata={"incomplete_days": incomplete, "days_without_data": gaps},
        ),
    ], gaps
