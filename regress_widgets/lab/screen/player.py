"""Play a run in the kernel: :class:`Player`, a play/pause button that moves the step on its own clock.

ipywidgets' ``Play`` counts in the browser: each of its ticks travels to the kernel, which draws and sends
the picture back, and the next tick waits for the kernel to say it is idle — a round trip a frame (14
frames a second measured in the Lab, 7 side by side). The player counts in the kernel instead, on its
event loop, one frame every :data:`FRAME_SECONDS`, and never runs ahead of the page: while a screen has
:data:`AHEAD` frames the browser has not yet said it painted (:attr:`~.screen.Screen.unpainted`), it
waits, and goes on when the page says so (:meth:`~.screen.Screen.on_painted`).

Outside a running event loop (a script, nbclient without a kernel loop) there is no clock to play by: a
press goes to the end of the run at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import ipywidgets as W

from ...words import ENGLISH, Words
from .views import running_loop

FRAME_SECONDS = 0.04
"""The player's clock: 25 frames a second."""
AHEAD = 3
"""Frames the kernel may have sent that the page has not said it painted (it says so every second frame:
one frame or two on the way, one being painted)."""


STRIDE_FRAMES = 200
"""A whole run plays in about this many frames (8 s): each frame moves ⌈steps / 200⌉ steps."""


def play_button(w: Words = ENGLISH) -> W.ToggleButton:
    """The play/pause toggle a :class:`Player` drives (its words in the language of ``w``)."""
    return W.ToggleButton(value=False, description=w("play"), icon="play", tooltip=w("play the run (again)"),
                          layout=W.Layout(width="auto"), _dom_classes=("rw-play",))


def stride(steps: int) -> int:
    """Steps a frame moves for a run of ``steps`` steps."""
    return max(1, -(-steps // STRIDE_FRAMES))


class Player:
    """Plays with ``button`` (a :func:`play_button`): calls ``advance()`` once a frame until it returns False.

    ``restart()`` is called on a press while at the end (``at_end()`` true): the run plays again from the
    start. ``screens()`` gives the screens whose painting the player waits for (none: it only keeps time).
    """

    def __init__(self, button: W.ToggleButton, advance: Callable[[], bool], *, at_end: Callable[[], bool],
                 restart: Callable[[], None], screens: Callable[[], Iterable] = tuple,
                 seconds: float = FRAME_SECONDS, w: Words = ENGLISH):
        self.w = w  # the words of the button: play, pause
        self.advance, self.at_end, self.restart, self.screens = advance, at_end, restart, screens
        self.seconds = seconds
        self.frames = 0
        """Frames played since the last press."""
        self.button = button
        self.button.observe(self._pressed, names="value")
        self._due: float | None = None  # when the next frame is due (None: not playing)
        self._timer = None
        self._waiting = False  # a frame is due, and the page has not painted enough
        self._heard: set[int] = set()
        self._watched: list = []  # the screens this play waits on

    @property
    def playing(self) -> bool:
        return self._due is not None

    def stop(self) -> None:
        """Pause (the button shows play again)."""
        self.button.value = False

    def _pressed(self, change) -> None:
        self.button.icon, self.button.description = (("pause", self.w("pause")) if change["new"]
                                                     else ("play", self.w("play")))
        if not change["new"]:
            self._halt()
            return
        if self.at_end():
            self.restart()
        self.frames = 0
        loop = running_loop()
        if loop is None:  # no clock: straight to the end
            while self.advance():
                self.frames += 1
            self.stop()
            return
        self._watched = list(self.screens())
        for screen in self._watched:
            screen.watchers += 1
            if id(screen) not in self._heard:
                self._heard.add(id(screen))
                screen.on_painted(self._painted)
        self._due = time.monotonic()
        self._timer = loop.call_soon(self._tick)

    def _halt(self) -> None:
        for screen in self._watched:
            screen.watchers -= 1
        self._watched = []
        self._due = None
        self._waiting = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self) -> None:
        self._timer = None
        if self._due is None:
            return
        if any(screen.unpainted >= AHEAD for screen in self._watched if screen.shown):
            self._waiting = True  # go on when the page has painted (_painted)
            return
        if self._waiting:  # the page has caught up: the clock starts again from now
            self._waiting = False
            self._due = time.monotonic()
        if not self.advance():
            self.stop()
            return
        self.frames += 1
        now = time.monotonic()
        self._due += self.seconds  # a frame late by less than a frame is made up for with the next
        if self._due < now - self.seconds:
            self._due = now  # further behind: no rush to catch up
        loop = running_loop()
        if loop is not None:
            self._timer = loop.call_later(self._due - now, self._tick)

    def _painted(self) -> None:
        if self._waiting and self._timer is None:
            self._tick()
