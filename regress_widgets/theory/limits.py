"""The two stability limits a readout shows, at a recipe's own batch size and optimizer: :func:`limits_for`
(cached by the settings it depends on; ``quick`` to 0.1 % while a slider moves). The surfaces are
:class:`~.stability.Stability`'s."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from ..recipes.tutorials import Recipe, get_recipe
from .stability import QUICK_SHUFFLES, Stability, _data_key, _hashable


def limits_for(recipe: str | Recipe, seed: int = 0, quick: bool = False) -> dict:
    """Both limits at the recipe's own batch size and optimizer: {"gradient_descent", "mean_square",
    "batch_size"}; the values None for Adam (cached). ``quick``: to 0.1 % (and over :data:`QUICK_SHUFFLES`
    shuffles), for a readout that shows two digits while a slider moves."""
    recipe = get_recipe(recipe)
    args = (_data_key(recipe), int(seed), recipe.batch_size, recipe.optimizer, float(recipe.momentum), bool(quick))
    return dict(_limits(*args) if _hashable(args[0]) else _limits.__wrapped__(*args))


@lru_cache(maxsize=256)
def _limits(key: Recipe, seed: int, batch_size: int, optimizer: str, momentum: float, quick: bool) -> tuple:
    st = Stability.for_recipe(key, seed)
    if quick:
        st = _quick(st)
    ms = st.mean_square_limit(batch_size, optimizer, momentum, tolerance=1e-3 if quick else 1e-8)
    return (("gradient_descent", st.gd_limit(optimizer, momentum)), ("mean_square", ms), ("batch_size", batch_size))


def _quick(st: Stability) -> Stability:
    """The same surface over QUICK_SHUFFLES shuffles (made once, kept in the surface's own cache)."""
    if st.examples is None:
        return st
    if "quick" not in st._shuffled:
        st._shuffled["quick"] = replace(st, shuffles=QUICK_SHUFFLES, _shuffled={})
    return st._shuffled["quick"]
