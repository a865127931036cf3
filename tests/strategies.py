"""Hypothesis strategies for the settings, made from the one settings table (regress_widgets.recipes.settings.TABLE)."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from regress_widgets.recipes.settings import TABLE

RUN_CAP = {"steps": 60, "epochs": 3, "batch_size": 256}
"""Valid values kept small where a large one only makes a test slow (the range itself is tested as invalid)."""


def top(name: str, recipe) -> float | None:
    """The upper bound of ``name`` for ``recipe`` (a fixed dataset bounds its batch size)."""
    return recipe.n_examples if name == "batch_size" and not recipe.streaming else TABLE[name].high


def valid(name: str, recipe, cap: bool = True):
    """Values the table allows for ``name`` on ``recipe``."""
    s, high = TABLE[name], top(name, recipe)
    if s.choices:
        return st.sampled_from(s.choices)
    if cap and name in RUN_CAP:
        high = min(high, RUN_CAP[name])
    if s.kind is int:
        return st.integers(int(s.low), int(high) if high is not None else 2**32)
    low = s.low + 1e-6 if s.low_open else s.low
    if high is None:
        high = low + 1e6  # no upper bound: any finite number ≥ low would do; keep runs finite
    return st.floats(low, high, allow_nan=False, exclude_max=s.high_open)


def invalid(name: str, recipe):
    """Values the table refuses for ``name`` on ``recipe``: just outside each end, the wrong type, not finite."""
    s, high = TABLE[name], top(name, recipe)
    if s.choices:  # near misses (case, spaces, an empty name), other types
        near = st.sampled_from(s.choices).flatmap(lambda c: st.sampled_from([c.upper(), c.title(), f" {c}", c + "s"]))
        return st.one_of(near, st.just(""), st.integers(), st.floats(), st.booleans(),
                         st.text(max_size=4).filter(lambda t: t not in s.choices))
    wrong = st.one_of(st.text(max_size=3), st.booleans(), st.lists(st.integers(), max_size=2),
                      st.just(float("nan")), st.just(math.inf), st.just(-math.inf))
    if s.kind is int:
        below = st.integers(max_value=int(s.low) - 1)
        above = st.integers(min_value=int(high) + 1) if high is not None else st.nothing()
        fractional = st.builds(lambda n, f: n + f, st.integers(-10**6, 10**6), st.floats(0.01, 0.99))
        floats = st.floats(allow_nan=False) if s.whole_only else fractional
        return st.one_of(below, above, floats, wrong)
    below = st.floats(max_value=s.low, exclude_max=not s.low_open, allow_nan=False)
    above = st.floats(min_value=high, exclude_min=not s.high_open) if high is not None else st.nothing()
    return st.one_of(below, above, wrong)
