"""The parser properties of the fault suite, run long: every parser returns a canonical frame or its typed error.

Usage: .venv/bin/python benchmarks/fuzz_parsers.py [--examples 5000]
Same strategies and properties as linky_pipeline_tests/faults/test_parser_properties.py (120 examples each in CI);
prints, per parser, how many generated inputs ended as a frame, a frame with quarantined points, or a typed
error, and the throughput. Any other outcome (an untyped exception, a broken frame) stops the run with the failing
input, as in the suite.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linky_pipeline_tests.support import parser_fuzz as fz


def measure(name: str, strategy: st.SearchStrategy[Any], check: Callable[[Any], str], examples: int) -> None:
    outcomes: Counter[str] = Counter()

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(value: Any) -> None:
        outcomes[check(value)] += 1

    started = time.monotonic()
    run()
    seconds = time.monotonic() - started
    total = sum(outcomes.values())
    shown = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    print(f"| {name} | {total} | {shown} | {total / seconds:,.0f}/s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000, help="inputs per parser (hypothesis max_examples)")
    examples = parser.parse_args().examples
    print("| Parser | Inputs | Outcomes | Rate |")
    print("|---|---|---|---|")
    for version in ("2026-v2", "v5"):
        for endpoint in fz.KINDS:
            body = fz.enedis_bodies(version, endpoint)
            measure(f"Enedis {version} {endpoint}", fz.mutated(body), fz.enedis_property(version, endpoint), examples)
    measure("ORES curve", fz.mutated(fz.ores_body()), fz.ores_property, examples)
    measure("Belgian CSV export", fz.csv_texts(), fz.csv_property, examples)
    measure("Belgian landed document", fz.mutated(fz.be_payload()), fz.be_payload_property, examples)
    measure("JSON reader (any bytes)", fz.json_texts(), fz.landable_property, examples)


if __name__ == "__main__":
    main()
