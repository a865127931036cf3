"""When the Lab's readouts follow its picture: :class:`Pacer`.

For a change made on a page a browser shows, the picture goes first and the readouts (HTML the browser must
lay out) a moment later: :data:`READOUTS_AFTER` s after the first change of a burst (a drag, a play), then
at most once every :data:`READOUTS_EVERY` s, each time with the latest frame. A change made in code shows
its readouts at once, so that a notebook's outputs do not depend on timing.
"""

from __future__ import annotations

from collections.abc import Callable

READOUTS_AFTER = 0.04
"""Seconds the readouts wait after the picture of a change made on the page (the browser paints it first)."""
READOUTS_EVERY = 0.2
"""During a drag or a play the readouts change at most this often (seconds): five times a second can be read,
and each change costs the browser a layout of the page."""


class Pacer:
    """Calls ``show()`` now (:meth:`now`) or soon (:meth:`soon`); see the module docstring."""

    def __init__(self, show: Callable[[], None]):
        self._show = show
        self._due = None  # the call waiting on the event loop
        self._at = float("-inf")  # when show() last ran (the loop's clock)
        self._loop = None

    def now(self) -> None:
        if self._due is not None:
            self._due.cancel()
            self._due = None
        self._run()

    def soon(self, loop) -> None:
        """On ``loop``: once, READOUTS_AFTER s from now or READOUTS_EVERY s after the last show, whichever is later
        (nothing more if a show is already due: it shows the latest frame)."""
        self._loop = loop
        if self._due is None:
            self._due = loop.call_later(max(READOUTS_AFTER, self._at + READOUTS_EVERY - loop.time()), self._run)

    def _run(self) -> None:
        self._due = None
        if self._loop is not None:
            self._at = self._loop.time()
        self._show()
