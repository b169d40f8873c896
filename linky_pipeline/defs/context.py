"""Reading the building × month rectangle a (possibly range) run covers."""

from datetime import date

import dagster as dg

from linky_pipeline.defs.runs import parse_partition_key


def run_partitions(context: dg.AssetExecutionContext) -> list[tuple[str, date]]:
    """(building, month) pairs of this run, buildings then months ascending (months in order for MoM/YoY)."""
    return sorted(parse_partition_key(key) for key in context.partition_keys)


def is_nightly(context: dg.AssetExecutionContext) -> bool:
    return context.run.tags.get("linky/mode") == "nightly"


def window_text(work: list[tuple[str, date]]) -> str:
    if not work:
        return "empty"
    months = sorted({m for _, m in work})
    return f"{len({b for b, _ in work})} building(s) × {months[0]:%Y-%m}..{months[-1]:%Y-%m}"
