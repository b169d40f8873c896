"""The Dagster UI as a data engineer sees it, in a real (headless) Chromium: the lineage loads, a building-month's
partition shows its own numbers (compared with SQL), and a failed check is visible with its reason.

Debian's `chromium` is driven through Playwright's driver (in its wheel); no browser is ever downloaded.
`.ci/run` installs the package; without it the test is skipped and says so.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote

import dagster as dg
import psycopg
import pytest

from linky_pipeline.defs.partitions import partition_key
from linky_pipeline_tests.support.ui import CHROMIUM_FLAGS, chromium_path, dagster_webserver

JULY, AUGUST = date(2026, 7, 1), date(2026, 8, 1)
BROWSER = chromium_path()
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium installed (Debian package `chromium`; .ci/run installs it)"
)


@pytest.fixture
def ui(
    db: psycopg.Connection, building: Callable[..., str], run_pipeline: Callable[..., object], tmp_path: Path
) -> Iterator[str]:
    building("holes", ("42900589957123", "consumption"))
    building("normal", ("22516914714270", "consumption"))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("nux:\n  enabled: false\ntelemetry:\n  enabled: false\n", encoding="utf-8")
    instance = dg.DagsterInstance.from_config(str(home))
    run_pipeline(["normal"], JULY, AUGUST, instance=instance)
    run_pipeline(["holes"], JULY, AUGUST, instance=instance)  # last: its failed check is the latest execution
    with dagster_webserver(home, tmp_path / "webserver.log") as url:
        yield url


def _text(page: object, url: str, expect: str) -> str:
    page.goto(url)  # type: ignore[attr-defined]
    page.get_by_text(expect).first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    return str(page.inner_text("body"))  # type: ignore[attr-defined]


def _gaps_and_kwh(db: psycopg.Connection, building: str, month: date) -> tuple[int, str]:
    row = db.execute(
        "SELECT count(*) FILTER (WHERE source_used = 'none'), round(sum(total_kwh)::numeric, 3) "
        "FROM daily_consumption WHERE building_code = %s AND date_trunc('month', day) = %s",
        (building, month),
    ).fetchone()
    assert row is not None
    return int(row[0]), f"{row[1]:f}".rstrip("0").rstrip(".")


def test_lineage_partition_metadata_and_a_failed_check_in_a_real_browser(ui: str, db: psycopg.Connection) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="linky-chromium-") as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=BROWSER,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1600, "height": 1000},
        )
        page = browser.new_page()
        try:
            # the lineage: from the meter API to the bi views and Grafana (long names are shortened with "…")
            lineage = _text(page, f"{ui}/assets/daily_consumption?view=lineage&lineageDepth=3", "raw_load_curves")
            for name in (
                "enedis_meteri",
                "raw_load_curves",
                "readings",
                "_consumption",
                "bi_views",
                "grafana_dashboard",
            ):
                assert name in lineage

            # one building-month's own numbers, as SQL counts them (another partition's differ)
            shown = {}
            for building, month in (("holes", JULY), ("normal", AUGUST)):
                key = quote(str(partition_key(building, month)))
                body = _text(page, f"{ui}/assets/daily_consumption?view=partitions&partition={key}", "per_meter")
                gaps, kwh = _gaps_and_kwh(db, building, month)
                lines = [line.strip() for line in body.splitlines() if line.strip()]
                shown[building] = (int(lines[lines.index("gaps") + 1]), lines[lines.index("kwh") + 1])
                assert shown[building] == (gaps, kwh), building
                assert f"{month:%Y-%m}" in body and building in body
            assert shown["holes"][0] > 0 and shown["normal"][0] == 0

            # the failed check of that building-month, with why
            checks = _text(page, f"{ui}/assets/daily_consumption?view=checks", "without any data")
            page.get_by_text("Failed").first.wait_for(timeout=60_000)
            checks = str(page.inner_text("body"))
            assert "Failed" in checks
            assert "holes/2026-0" in checks and "without any data" in checks
        except Exception:
            page.screenshot(path=str(Path(tempfile.gettempdir()) / "linky-ui-failure.png"))
            raise
        finally:
            browser.close()
