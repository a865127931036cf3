"""Axis ticks and limits: plain-text tick labels (no mathtext to render), limits that move in round steps.

Round limits keep the view still through small changes: calmer for the eye, and a panel whose limits
did not move is pasted from its cached bitmap.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import Formatter, FuncFormatter, LogLocator, NullLocator


def plain_log_formatter():
    """Log-axis tick labels as plain text (1e-3, 0.01, 10, 1e+04): readable, and no mathtext to render."""
    def fmt(value, _pos):
        if value <= 0 or not math.isfinite(value):
            return ""
        exponent = math.log10(value)
        power = math.floor(exponent + 1e-9)
        mantissa = value / 10.0**power
        if min(abs(mantissa - m) for m in (1, 2, 5)) > 1e-6:
            return ""
        if -2 <= power <= 3:
            return f"{value:g}"
        return f"1e{power}" if abs(mantissa - 1) < 1e-6 else f"{round(mantissa)}e{power}"

    return FuncFormatter(fmt)


def plain_symlog_formatter():
    """Symmetric-log tick labels as plain text: -1e40, -1000, 0, 1000, 1e40."""
    def fmt(value, _pos):
        if value == 0:
            return "0"
        power = round(math.log10(abs(value)))
        if power < 1:
            return ""
        sign = "-" if value < 0 else ""
        return f"{value:g}" if power <= 3 else f"{sign}1e{power}"

    return FuncFormatter(fmt)


class StepFormatter(Formatter):
    """Step numbers short enough not to collide: on an axis past 10,000, 25000 → 25k."""

    def __call__(self, value, pos=None):
        big = self.axis is not None and self.axis.get_view_interval()[1] >= 10_000
        if big and value % 1000 == 0 and value != 0:
            return f"{value / 1000:g}k"
        return f"{value:g}"


def decade_locator(fine: bool, numticks: int) -> LogLocator:
    """Log ticks at every decade; ``fine`` (an axis of two decades or fewer): at 1, 2 and 5 × each."""
    return LogLocator(subs=(1.0, 2.0, 5.0) if fine else (1.0,), numticks=numticks)


def use_log_scale(ax, numticks: int) -> None:
    """A log y axis with a plain-text label at each decade and no minor ticks."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(decade_locator(False, numticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(plain_log_formatter())


def nice_ceil(x: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is ≥ x (> 0)."""
    power = 10.0 ** math.floor(math.log10(x))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * power >= x * (1 - 1e-12):
            return m * power
    return 10 * power


def round_limits(lo: float, hi: float, pad: float = 0.06) -> tuple[float, float]:
    """Limits padded, then widened to round tick values, so small changes keep the same view."""
    span = max(hi - lo, 1e-9 * max(abs(lo), abs(hi), 1.0))
    lo, hi = lo - pad * span, hi + pad * span
    step = 10.0 ** math.floor(math.log10((hi - lo) / 4))
    step *= next(m for m in (1, 2, 5, 10) if m * step >= (hi - lo) / 4)  # a 1-2-5 step: few distinct views
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


def quantized_view(center, half):
    """A square-ish view ⊇ [center ± half], its size on a √2-ish ladder and its centre on a grid."""
    out_c, out_h = [], []
    for c, h in zip(center, half, strict=True):
        q = nice_ceil(h)
        while True:
            cell = q / 4
            cq = round(c / cell) * cell
            if q >= h + abs(c - cq) - 1e-12:
                break
            q = nice_ceil(q * 1.01)
        out_c.append(cq)
        out_h.append(q)
    return np.array(out_c), np.array(out_h)


def set_limits(ax, xlim, ylim) -> None:
    """Set limits only when they change (setting equal limits still marks the axes stale)."""
    if tuple(ax.get_xlim()) != tuple(map(float, xlim)):
        ax.set_xlim(*xlim)
    if tuple(ax.get_ylim()) != tuple(map(float, ylim)):
        ax.set_ylim(*ylim)
