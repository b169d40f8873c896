"""Where monthly reports are written (LINKY_REPORTS_DIR; default `reports/` under the working directory)."""

from pathlib import Path

import dagster as dg


class ReportsResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The reports directory: `{reports_dir}/{building}/{YYYY-MM}/rapport-{building}-{YYYY-MM}.html|.pdf`."""

    reports_dir: str = "reports"

    def directory(self) -> Path:
        return Path(self.reports_dir).expanduser()
