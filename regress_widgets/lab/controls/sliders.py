"""The Lab's setting controls: sliders that report clamping, a batch-size slider on a doubling scale, and the box
beside each slider where a value is typed exactly (the browser never corrects it; the Lab accepts or refuses it)."""

from __future__ import annotations

import math

import ipywidgets as W
from traitlets import Int, validate

LR_DIGITS = 4  # a value dragged or typed in the browser is kept to this many significant digits


class _Reporting:
    """A bounded widget that tells ``on_clamp(widget, asked, got)`` when it clamped a value, and keeps a value set
    from the kernel that lies between two of its steps.

    The browser's slider (noUiSlider) puts its handle on its step grid and, drawing a value set from the kernel
    (a link's lr=0.3, a typed 0.3, a recipe's own), sends that grid point back as if it had been moved there:
    lr 0.3 would become 0.2999. A value from the browser within half a step of the one the kernel holds is that
    echo, not a move (a move goes at least one step): it is not taken."""

    on_clamp = None

    def set_state(self, sync_data):
        value, current = sync_data.get("value"), self.value
        if _on_the_same_step(self, value, current):
            sync_data = {k: v for k, v in sync_data.items() if k != "value"}
        super().set_state(sync_data)

    @validate("value")
    def _validate_value(self, proposal):
        value = super()._validate_value(proposal)
        asked = proposal["value"]
        changed = value != asked and not (isinstance(asked, float) and math.isnan(asked))
        if changed and self.on_clamp is not None:
            self.on_clamp(self, asked, value)
        return value


class LogSlider(_Reporting, W.FloatLogSlider):
    """A log slider whose browser values are rounded to ``LR_DIGITS`` significant digits: the handle moves
    on a fine exponent grid (step 0.001), so a dragged value reads 0.05, not 10^-1.301."""

    def set_state(self, sync_data):
        value = sync_data.get("value")
        if isinstance(value, float) and math.isfinite(value) and value > 0:
            sync_data = {**sync_data, "value": float(f"{value:.{LR_DIGITS}g}")}
        super().set_state(sync_data)


class BatchSlider(_Reporting, W.FloatLogSlider):
    """Batch size on a doubling scale (1, 2, 4, 8, …): every drag step doubles or halves it. A whole number
    given any other way (typed, or from code) is kept exactly; the Lab refuses one that is not whole."""

    @validate("value")
    def _validate_value(self, proposal):
        value = super()._validate_value(proposal)
        if isinstance(value, float) and math.isfinite(value) and abs(value - round(value)) < 1e-9 * max(value, 1):
            return int(round(value))  # 2 ** k in floating point is whole: say it as an int
        return value


class FloatSlider(_Reporting, W.FloatSlider):
    pass


class IntSlider(_Reporting, W.IntSlider):
    """An integer slider that refuses 2.5 (ipywidgets' own would quietly make it 2)."""

    value = Int(0, help="Int value").tag(sync=True)


def _on_the_same_step(widget, value, current) -> bool:
    """``value`` (from the browser) is where the slider's handle stands for ``current``: within half a step."""
    numbers = (value, current)
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in numbers) \
            or value == current:
        return False
    base = getattr(widget, "base", None)
    if base:
        if value <= 0 or current <= 0:
            return False
        value, current = math.log(value, base), math.log(current, base)
    return abs(value - current) < widget.step / 2


def typed_box(name: str, layout: W.Layout, style: W.Widget) -> W.Text:
    """The box beside a slider: a value typed here reaches the Lab as typed (Enter or leaving the box)."""
    return W.Text(continuous_update=False, layout=layout, style=style, _dom_classes=(f"rw-typed-{name}",))


def show_value(widget, value) -> None:
    """Show ``value`` on ``widget``, stretching a slider's range to hold it (a value set in code may lie outside)."""
    if value is None:
        return
    log = getattr(widget, "base", None)
    if hasattr(widget, "max"):
        position = math.log(value, log) if log and value > 0 else value
        with widget.hold_trait_notifications():  # nested in configure's: its range first, then this
            if position > widget.max:
                widget.max = math.ceil(position) if log else position
            if position < widget.min:
                widget.min = math.floor(position) if log else position
            widget.value = value
    elif widget.value != value:
        widget.value = value


def shown_text(kind: type, value) -> str:
    """How a typed box shows a value: whole numbers as they are, others to ``LR_DIGITS`` significant digits."""
    if value is None:
        return ""
    return str(int(value)) if kind is int else f"{value:.{LR_DIGITS}g}"


def parse_typed(name: str, kind: type, text: str):
    """The number typed for ``name`` (an int setting gets an int when the text is whole), or ValueError."""
    text = text.strip().replace("\u2212", "-").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number") from None
    if kind is int and math.isfinite(value) and value.is_integer():
        return int(value)
    return value
