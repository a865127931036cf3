"""How many points of a line to draw: no more than the eye can follow, the first and the last always kept."""

from __future__ import annotations

import numpy as np

MAX_POINTS = 1200
"""Longest polyline drawn for a path or a curve; longer ones are thinned (first and last kept)."""

PATH_INK = 30.0
"""Longest path drawn, in widths of the view: a longer scribble is drawn with fewer of its points."""


def thin(stop: int, n: int = MAX_POINTS) -> np.ndarray:
    """At most ``n`` indices evenly spread over 0 … ``stop``, always with 0 and ``stop``."""
    if stop + 1 <= n:
        return np.arange(stop + 1)
    at = np.linspace(0, stop, n).round().astype(np.int64)  # ascending: its repeats are neighbours
    return at[np.concatenate(([True], at[1:] != at[:-1]))]


def thin_line(x, y, xspan: float, yspan: float, budget: float = PATH_INK) -> np.ndarray:
    """Which of the points (x, y) to draw: all, unless their polyline is longer than ``budget`` widths of
    the view; then evenly fewer (the first and the last kept). Returns positions into x and y."""
    n = len(x)
    if n <= 200:
        return np.arange(n)
    with np.errstate(all="ignore"):
        length = np.nansum(np.hypot(np.diff(x) / xspan, np.diff(y) / yspan))
    if not length > budget:
        return np.arange(n)
    return thin(n - 1, max(200, int(n * budget / length)))
