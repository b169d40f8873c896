"""Runs the fault matrix (pytest marker `faults`) and counts it: faults × the outcome each must end in.

Usage: .venv/bin/python benchmarks/fault_matrix.py [extra pytest arguments]
Prints one row per family (what is done to the pipeline, the designed outcome, how many faults, how many ended
in it), the totals and the wall time, as benchmarks/RESULTS.md records them. Exit status: pytest's.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from linky_pipeline_tests.faults.matrix import API_FAULTS

_FAMILY_OF_API = {
    "network": "API: network (drops, resets, cut bodies, stalls)",
    "gateway": "API: gateways (5xx, 429, 302, HTML, wrong JSON, bad encoding)",
    "auth": "API: authentication (401 on a trusted token, token endpoint down or refusing)",
    "secrets": "API: gateways echoing the token or the client secret",
    "poison": "API: poison values (9e12, NaN, 1e400, 20 digits, negative)",
}
# test module -> (family, designed outcome) for the families that are not API faults
_MODULES = {
    "test_poison_values": ("Issue scenario: poison values (API and CSV)", "quarantined, every other reading lands"),
    "test_kill_points": ("kill -9 of the run process", "nothing partial; the next run converges"),
    "test_landing_failure": ("A building's landing transaction fails", "the others commit; the run fails; converges"),
    "test_pg_stops": ("PostgreSQL immediate stop", "the run fails; after restart the next run converges"),
    "test_parser_properties": ("Parser properties (hypothesis, 120 inputs each)", "a frame or a typed error"),
    "test_secret_sweep": ("Secret sweep (DEBUG run, echoing gateways)", "0 secrets in logs, events, tables"),
    "test_gaps_and_verdicts": (
        "Fleet failure, consent lost mid-run, withheld day and quarantined point asked again",
        "the run fails / answers kept / the next run converges",
    ),
}


@dataclass(eq=False)  # a pytest plugin must be hashable
class Collector:
    outcomes: dict[str, str] = field(default_factory=dict)

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            outcome = "xfail" if hasattr(report, "wasxfail") else report.outcome
            self.outcomes[report.nodeid] = outcome


def _row_of(nodeid: str) -> tuple[str, str]:
    module = nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")
    if module == "test_api_faults":
        for case in API_FAULTS:
            if f"[{case.name}]" in nodeid:
                return _FAMILY_OF_API[case.family], case.expected
    return _MODULES.get(module, (module, "see the test"))


def main() -> int:
    collector = Collector()
    started = time.monotonic()
    code = pytest.main(["-q", "-m", "faults", "-p", "no:cacheprovider", *sys.argv[1:]], plugins=[collector])
    seconds = time.monotonic() - started
    rows: dict[tuple[str, str], Counter[str]] = {}
    for nodeid, outcome in collector.outcomes.items():
        rows.setdefault(_row_of(nodeid), Counter())[outcome] += 1
    print("\n| Family | Designed outcome | Faults | Ended in it | Other |")
    print("|---|---|---|---|---|")
    totals: Counter[str] = Counter()
    for (family, expected), counts in sorted(rows.items()):
        totals.update(counts)
        other = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != "passed") or "0"
        print(f"| {family} | {expected} | {sum(counts.values())} | {counts['passed']} | {other} |")
    other = ", ".join(f"{k} {v}" for k, v in sorted(totals.items()) if k != "passed") or "0"
    print(f"| **Total** | | **{sum(totals.values())}** | **{totals['passed']}** | {other} |")
    print(f"\nwall time {seconds:.0f} s")
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
