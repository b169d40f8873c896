"""monthly_report: an HTML and a PDF per building-month, linked from the materialization."""

from pathlib import Path

import dagster as dg
import psycopg

from linky_pipeline.defs import names
from linky_pipeline.defs.assets.describe import code_version
from linky_pipeline.defs.assets.work import rebuild_each, record, run_partitions
from linky_pipeline.defs.partitions import building_month_partitions
from linky_pipeline.defs.resources.reports import ReportsResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.building_month import BuildingMonth
from linky_pipeline.lib.domain.registry import Meter
from linky_pipeline.lib.report import build, charts, data, render
from linky_pipeline.lib.report.build import build_report

REPORTS = "reports"


@dg.asset(
    partitions_def=building_month_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["monthly_consumption", "monthly_cost", "daily_cost", "consumption_anomalies", "usage_alerts"],
    group_name=REPORTS,
    kinds={"html", "pdf"},
    code_version=code_version(build, charts, data, render),
    owners=list(names.OWNERS),
    tags={"layer": REPORTS, "domain": "energy"},
)
def monthly_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, reports: ReportsResource
) -> dg.MaterializeResult[None]:
    """Energy report per building-month (consumption and cost by day and by hour of day, previous month and same
    month last year, the month's anomalies and alerts, completeness) as HTML and PDF in the reports directory."""
    written: dict[BuildingMonth, Path] = {}
    directory = reports.directory()

    def render(conn: psycopg.Connection, bm: BuildingMonth, meters: list[Meter]) -> int:  # noqa: ARG001
        files = build_report(conn, bm, directory)
        written[bm] = files.pdf
        return 1

    partitions = run_partitions(context, warehouse)
    rendered = rebuild_each(context, partitions, warehouse, render, "monthly_report")
    for bm in partitions:
        pdf = written.get(bm)
        record(
            context,
            bm,
            {
                **rendered[bm],
                "reports_dir": dg.MetadataValue.path(str(directory.resolve())),
                **({"pdf": dg.MetadataValue.path(str(pdf.resolve()))} if pdf else {}),
                **({"html": dg.MetadataValue.path(str(pdf.with_suffix(".html").resolve()))} if pdf else {}),
            },
        )
    return dg.MaterializeResult()
