"""Where the Grafana dashboard of deploy/grafana lives, so materializations can link to the matching panel."""

from datetime import date
from urllib.parse import urlencode

import dagster as dg

from linky_pipeline.defs import names
from linky_pipeline.lib.domain.building_month import BuildingMonth


class DashboardResource(dg.ConfigurableResource["DashboardResource"]):
    """Grafana base URL (LINKY_DASHBOARD_BASE_URL, the same one the notification e-mails link to)."""

    base_url: str = "http://localhost:3001"

    def panel_url(self, panel: int, bm: BuildingMonth, months: int = 1) -> str:
        """The panel for one building over its local month (or `months` months ending with it)."""
        first = bm.month
        for _ in range(months - 1):
            first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
        start = BuildingMonth(bm.building, first, bm.timezone).utc_start
        query = urlencode(
            {
                "var-building": bm.building,
                "from": int(start.timestamp() * 1000),
                "to": int(bm.utc_end.timestamp() * 1000),
                "viewPanel": panel,
            }
        )
        return f"{self.base_url.rstrip('/')}/d/{names.GRAFANA_DASHBOARD_UID}/?{query}"
