"""The sync's verdict at the end of the run: a run where a building lost every meter fails (the ops webhook fires).

The landing asset lands every window it can and fails at once only when nothing at all could be fetched. A
building whose every meter failed must fail the run too, but not before the other buildings' tables are built:
this check runs after them (its extra dependencies) and raises with the buildings and each meter's error.
"""

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.sync.progress import run_verdict

BUILT_BEFORE_THE_VERDICT = ["readings", "daily_consumption", "daily_max_power", "monthly_consumption"]


@dg.asset_check(
    asset="raw_load_curves",
    name=names.EVERY_BUILDING_FETCHED,
    additional_deps=BUILT_BEFORE_THE_VERDICT,
    description="Every building of the run got at least one of its meters fetched, and something was fetched at "
    "all. Evaluated after the run's tables are built; a building that lost every meter (wrong credentials, API "
    "down, quota exhausted, consents lost) fails the run, so the run-failure webhook fires.",
)
def every_building_fetched(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as conn:
        outcome, failure, lost = run_verdict(conn, context.run.run_id)
    if outcome is None:
        return dg.AssetCheckResult(passed=True, description="no sync in this run", metadata={"sync": "none"})
    if failure:
        raise dg.Failure(failure, metadata={"lost_buildings": dg.MetadataValue.json(lost)})
    return dg.AssetCheckResult(passed=True, description="every building of the run got data", metadata={"lost": 0})
