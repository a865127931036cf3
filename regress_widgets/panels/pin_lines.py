"""Pinned runs drawn on a panel: one faded line per pin, made once, removed when the pin is."""

from __future__ import annotations


class PinLines:
    """The lines of the pinned runs (:class:`~.frame.Path` objects) on one panel's axes, in ``style``."""

    def __init__(self, ax, **style):
        self.ax = ax
        self.style = style
        self._lines: dict = {}

    def draw(self, pins, xy) -> None:
        """Show exactly ``pins``; ``xy(pin)`` gives the points of its line."""
        keep = {id(p) for p in pins}
        for key in [k for k in self._lines if k not in keep]:
            line = self._lines.pop(key)
            self.ax.forget_dynamic(line)
            line.remove()
        for pin in pins:
            line = self._lines.get(id(pin))
            if line is None:
                (line,) = self.ax.plot([], [], "-", color=pin.color, label=pin.label, **self.style)
                self.ax.mark_dynamic(line)
                self._lines[id(pin)] = line
            line.set_data(*xy(pin))
