"""Memory bounds: estimate what a run, a sweep or a recording allocates, and refuse what cannot fit.

The limit is a fraction (:data:`MEMORY_FRACTION`) of the machine's physical memory. Estimates are
made with Python integers (no overflow) before anything is allocated; a refusal is a
:class:`TooBig`, an :class:`~regress_widgets.recipes.InvalidSetting` that names the product that is
too big, its size and the limit.
"""

from __future__ import annotations

import os

import numpy as np

from ..recipes.data import batch_sizes
from ..recipes.tutorials import InvalidSetting, Recipe
from .sgd import workspace_bytes

MEMORY_FRACTION = 0.25
"""Largest share of the machine's physical memory one run, sweep or recording may take."""

_FALLBACK = 8 * 2**30  # where the platform does not say (8 GiB)


def machine_memory() -> int:
    """Physical memory of this machine in bytes."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return _FALLBACK


def memory_limit() -> int:
    """Bytes one computation may allocate: :data:`MEMORY_FRACTION` of the machine's memory."""
    return int(MEMORY_FRACTION * machine_memory())


def size_text(nbytes: float) -> str:
    """1536 → '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.3g} {unit}"
        nbytes /= 1024
    raise AssertionError  # pragma: no cover


class TooBig(InvalidSetting):
    """What was asked for needs more memory than the limit; ``field`` names the setting to lower."""

    def __init__(self, field: str, product: str, nbytes: int, limit: int):
        self.product, self.nbytes, self.limit = product, nbytes, limit
        super().__init__(field, f"small enough for {product} to fit in {size_text(limit)}", nbytes)
        self.args = (f"{product} needs about {size_text(nbytes)}, more than the limit of {size_text(limit)} "
                     f"({MEMORY_FRACTION:.0%} of this machine's {size_text(machine_memory())})",)


def check_fits(field: str, product: str, nbytes: int) -> None:
    """Raise :class:`TooBig` when ``nbytes`` exceeds :func:`memory_limit`."""
    limit = memory_limit()
    if nbytes > limit:
        raise TooBig(field, product, nbytes, limit)


# --- what the engine allocates ---------------------------------------------------------------------


def _stream_examples(recipe: Recipe) -> int:
    return int(batch_sizes(recipe).sum())


def state_size(recipe: Recipe) -> int:
    """Vectors of d + 1 numbers a run of ``recipe`` carries: θ (plain SGD), θ and v (momentum), θ, m, s (Adam)."""
    if recipe.optimizer == "adam":
        return 3
    return 2 if recipe.optimizer == "nesterov" or recipe.momentum > 0 else 1


def run_bytes(recipe: Recipe, runs: int = 1, *, method: str, dtype: str, keep_path: bool = True,
              stream_made: bool = True) -> int:
    """An estimate of the memory ``runs`` runs of ``recipe`` on one stream allocate (Python ints: no overflow)."""
    T, d = recipe.total_steps, recipe.dim
    S = _stream_examples(recipe)
    itemsize = np.dtype(dtype).itemsize
    need = workspace_bytes(S, d, T, runs, method=method, itemsize=itemsize, keep_path=keep_path,
                           state=state_size(recipe))
    need += 8 * runs * ((T + 1 if keep_path else 2) * (d + 1) + 2 * T)  # results back in float64, rates
    if stream_made:  # the stream in float64 (and its copy in the run's dtype), the dataset and visiting order
        need += 8 * S * (d + 3) + (itemsize * S * (d + 1) if itemsize != 8 else 0)  # + the labels' temporaries
        need += 0 if recipe.streaming else 8 * (recipe.n_examples * (d + 1) + S)
    return need


def run_product(recipe: Recipe, runs: int = 1) -> str:
    S = _stream_examples(recipe)
    many = f"{runs:,} runs, each of " if runs > 1 else "a run of "
    return (f"{many}steps × batch_size = {recipe.total_steps:,} × {recipe.batch_size:,} "
            f"({S:,} examples of {recipe.dim} inputs)")
