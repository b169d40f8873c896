"""`linky-pipeline sandbox serve`: run the Enedis sandbox in the foreground (demo, manual testing)."""

from __future__ import annotations

from datetime import date

import click

from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline.sandbox.settings import SandboxSettings


@click.group(name="sandbox")
def sandbox() -> None:
    """Offline Enedis Data Connect and ORES emulator."""


@sandbox.command()
@click.option("--port", type=int, required=True, help="TCP port (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--today", default=None, help="Fixed sandbox date YYYY-MM-DD (default: real Paris date).")
@click.option("--error-rate", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True)
@click.option("--latency-ms", type=click.IntRange(0, 60_000), default=0, show_default=True)
@click.option("--quota-per-second", type=click.IntRange(1), default=5, show_default=True, help="Per API.")
@click.option("--quota-per-hour", type=click.IntRange(1), default=1000, show_default=True, help="Per API.")
@click.option(
    "--time-scale",
    type=click.FloatRange(0.001, 1_000_000),
    default=1.0,
    show_default=True,
    help="Quota clock speed: 1000 makes a quota hour last 3.6 s (use the same LINKY_QUOTA_TIME_SCALE in the pipeline).",
)
def serve(
    port: int,
    host: str,
    today: str | None,
    error_rate: float,
    latency_ms: int,
    quota_per_second: int,
    quota_per_hour: int,
    time_scale: float,
) -> None:
    """Serve until Ctrl-C."""
    try:
        fixed = date.fromisoformat(today) if today else None
    except ValueError:
        raise click.BadParameter(f"must be YYYY-MM-DD, got {today!r}", param_hint="--today") from None
    settings = SandboxSettings(
        today=fixed,
        error_rate=error_rate,
        latency_ms=latency_ms,
        quota_per_second=quota_per_second,
        quota_per_hour=quota_per_hour,
        time_scale=time_scale,
    )
    server = SandboxServer(host=host, port=port, settings=settings)
    base = f"http://{host}:{port if port else '<free port>'}"
    click.echo(f"Enedis sandbox on {base}, ORES on {base}/ores (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("sandbox stopped")


def main() -> None:
    """Entry point of `python -m linky_pipeline.sandbox`: the `serve` command directly."""
    serve()
