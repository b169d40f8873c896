"""A synthetic fleet of household meters for scale benchmarks: PRMs `770…` served like the reference home.

The sandbox knows a dozen named test PRMs (meters.py); a benchmark of 1 000 or 10 000 meters needs as many
distinct points, each with its own deterministic data (every draw of profile.py is seeded by the PRM). Registering
a fleet adds plain consumption meters (half-hour curve, contract, consent) to the same table every endpoint reads,
so nothing else in the sandbox changes; the sizes vary per meter so no two curves are equal.

`python -m linky_pipeline.sandbox.fleet --meters 10000 --port 8765 [serve options]` registers the fleet and
serves (the options of `python -m linky_pipeline.sandbox`).
"""

from __future__ import annotations

from typing import Final

import click

from linky_pipeline.sandbox.meters import METERS, MeterSpec
from linky_pipeline.sandbox.settings import SandboxError

FLEET_PREFIX: Final = "770"
FLEET_MAX: Final = 10**11  # the 11 digits after the prefix
SUBSCRIBED_KVA: Final = (6.0, 9.0, 12.0)


class FleetError(SandboxError, ValueError):
    """A fleet index or size outside what the PRM scheme can hold."""


def fleet_prm(index: int) -> str:
    """The 14-digit PRM of fleet meter `index` (0-based)."""
    if not 0 <= index < FLEET_MAX:
        raise FleetError(f"fleet index must be within [0, {FLEET_MAX}), got {index!r}")
    return f"{FLEET_PREFIX}{index:011d}"


def fleet_spec(index: int) -> MeterSpec:
    """A household of 0.6-1.6 × the reference home's load (spread so neighbours differ), 6/9/12 kVA."""
    scale = 0.6 + (index * 37 % 101) / 100
    return MeterSpec(fleet_prm(index), "load", scale=scale, subscribed_kva=SUBSCRIBED_KVA[index % 3])


def register_fleet(count: int) -> list[str]:
    """Serve fleet meters 0..count-1 from now on (idempotent); returns their PRMs in order."""
    if not 0 <= count <= FLEET_MAX:
        raise FleetError(f"fleet size must be within [0, {FLEET_MAX}], got {count!r}")
    prms = []
    for index in range(count):
        spec = fleet_spec(index)
        METERS.setdefault(spec.prm, spec)
        prms.append(spec.prm)
    return prms


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--meters", type=click.IntRange(0, FLEET_MAX), required=True, help="Fleet meters to serve.")
@click.pass_context
def main(ctx: click.Context, meters: int) -> None:
    """Register a fleet of `--meters` synthetic PRMs, then serve like `python -m linky_pipeline.sandbox`."""
    from linky_pipeline.sandbox.cli import serve

    register_fleet(meters)
    click.echo(f"fleet: {meters} meters, {fleet_prm(0)}..{fleet_prm(max(meters - 1, 0))}")
    serve.main(args=ctx.args, prog_name="linky_pipeline.sandbox.fleet")


if __name__ == "__main__":
    main()
