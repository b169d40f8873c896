"""The provisioned Grafana dashboard, its panels' SQL and the macro expansion Grafana applies before running it."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from linky_pipeline_tests.support.deploy import REPO

GRAFANA = REPO / "deploy" / "grafana"
DASHBOARD = json.loads((GRAFANA / "dashboards" / "linky.json").read_text(encoding="utf-8"))
DATASOURCES = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "linky.yaml").read_text(encoding="utf-8"))
PROVIDERS = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "linky.yaml").read_text(encoding="utf-8"))
BUILDINGS = "'hq', 'depot-bxl'"  # what Grafana sends for "All" on a multi-value variable: a quoted list


def grafana_to_sql(raw: str) -> str:
    """What Grafana's PostgreSQL macro engine does, for the macros the dashboard uses (time range: 5 years)."""
    text = re.sub(r"\$__timeFilter\(([^)]+)\)", r"\1 BETWEEN now() - interval '5 years' AND now()", raw)
    text = text.replace("$__timeFrom()", "(now() - interval '5 years')").replace("$__timeTo()", "now()")
    text = text.replace("${building}", BUILDINGS).replace("$building", BUILDINGS)
    assert "$" not in text, f"unsubstituted Grafana macro or variable in: {text}"
    return text


def _panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for panel in panels:
        found.append(panel)
        found.extend(_panels(panel.get("panels", [])))  # rows nest their panels
    return found


PANELS = [p for p in _panels(DASHBOARD["panels"]) if p.get("type") != "row"]
QUERIES = [(p["title"], t["rawSql"], t["format"]) for p in PANELS for t in p.get("targets", [])]
