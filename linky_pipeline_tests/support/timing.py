"""Counting call timestamps: how many fall inside a sliding window (quota tests)."""

from __future__ import annotations


def max_in_window(stamps: list[float], width: float) -> int:
    """Most timestamps inside any half-open window [t, t + width) starting at a timestamp."""
    stamps = sorted(stamps)
    best, j = 0, 0
    for i, start in enumerate(stamps):
        j = max(j, i)
        while j < len(stamps) and stamps[j] < start + width:
            j += 1
        best = max(best, j - i)
    return best
