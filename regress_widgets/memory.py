"""Memory bounds: estimate what a run, a sweep or a recording allocates, and refuse what cannot fit.

The limit is a fraction (:data:`MEMORY_FRACTION`) of the machine's physical memory. Estimates are
made with Python integers (no overflow) before anything is allocated; a refusal is a
:class:`TooBig`, an :class:`~regress_widgets.recipes.InvalidSetting` that names the product that is
too big, its size and the limit.
"""

from __future__ import annotations

import os

from .recipes import InvalidSetting

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
