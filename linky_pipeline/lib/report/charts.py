"""The report's charts as PNG bytes: matplotlib's object API on the Agg canvas (no pyplot global state, no display,
thread-safe), so the same data gives the same bytes."""

from __future__ import annotations

import io
from typing import Final

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

ENERGY_COLOUR: Final = "#1f6fb4"  # bars: kWh
COST_COLOUR: Final = "#e07b00"  # line: €
PARTIAL_COLOUR: Final = "#9fbfdc"  # bars of days whose data or cost is partial
_DPI: Final = 110


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _cost_axis(ax: Axes, x: list[int], eur: pd.Series) -> None:
    if eur.notna().any():
        twin = ax.twinx()
        twin.plot(x, eur.astype("float64").tolist(), color=COST_COLOUR, marker="o", markersize=3, linewidth=1.5)
        twin.set_ylabel("€", color=COST_COLOUR)
        twin.tick_params(axis="y", colors=COST_COLOUR)
        twin.set_ylim(bottom=0)


def daily_chart(days: pd.DataFrame) -> bytes:
    """kWh per local day (bars, lighter when partial) and € per day (line)."""
    fig = Figure(figsize=(7.2, 2.8), dpi=_DPI)
    ax = fig.add_subplot()
    x = [d.day for d in days["day"]]
    kwh = days["kwh"].astype("float64").fillna(0.0)
    partial = (days["completeness"].astype("float64") < 1) | days["partial"].fillna(False).astype(bool)
    ax.bar(x, kwh.tolist(), color=[PARTIAL_COLOUR if p else ENERGY_COLOUR for p in partial], width=0.75)
    ax.set_xlabel("Jour du mois")
    ax.set_ylabel("kWh", color=ENERGY_COLOUR)
    ax.set_xticks(x[::2] if len(x) > 16 else x)
    ax.set_xlim(0.4, max(x, default=1) + 0.6)
    ax.grid(axis="y", alpha=0.3)
    _cost_axis(ax, x, days["eur"])
    fig.tight_layout()
    return _png(fig)


def hourly_chart(hours: pd.DataFrame) -> bytes:
    """kWh per local hour of day over the month (bars) and € per hour (line)."""
    fig = Figure(figsize=(7.2, 2.6), dpi=_DPI)
    ax = fig.add_subplot()
    x = hours["hour"].astype(int).tolist()
    ax.bar(x, hours["kwh"].astype("float64").tolist(), color=ENERGY_COLOUR, width=0.75)
    ax.set_xlabel("Heure de la journée (heure locale)")
    ax.set_ylabel("kWh", color=ENERGY_COLOUR)
    ax.set_xticks(range(0, 24, 2))
    ax.grid(axis="y", alpha=0.3)
    _cost_axis(ax, x, hours["eur"])
    fig.tight_layout()
    return _png(fig)
