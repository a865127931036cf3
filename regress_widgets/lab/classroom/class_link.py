"""An exercise's link to its class on the hub: :class:`ClassLink` sends the student's committed prediction and
submitted settings to the class service, and, when the session holds the reveal, waits for the teacher's.

Nothing here ever waits in a slider's handler: every call to the service runs in a worker thread, and its answer
comes back on the kernel's event loop. Outside a hub (Binder, a laptop), or with the service down, the link says
once that answers are not collected, and the exercise works as it does without a class: a held reveal is not held.
While a reveal is held, the Lab asks the service once a second whether the teacher has revealed (only then: an
idle Lab asks nothing).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import ipywidgets as W

from ...hub.client import ClassClient, ClassServiceError
from ...hub.schema import check_name
from ...words import ENGLISH, Words
from ..screen.views import running_loop

POLL = 1.0
"""Seconds between two questions to the service while a reveal is held."""
GOOD, BAD, QUIET = "#1a7f37", "#b42318", "#555"
_WORKER: ThreadPoolExecutor | None = None


def _worker() -> ThreadPoolExecutor:
    global _WORKER
    if _WORKER is None:
        _WORKER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rw-class")
    return _WORKER


def in_background(call, handle, *args) -> None:
    """``call()`` in the worker thread, then ``handle(future, *args)`` on the kernel's loop (at once outside one)."""
    loop = running_loop()
    future = _worker().submit(call)
    if loop is None:
        future.exception()  # waits
        handle(future, *args)
    else:
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(handle, f, *args))


class ClassLink:
    """Exercise ``exercise`` of the class session ``session``. ``hold``: the run is revealed when the teacher
    reveals it. ``client``: the service (default: the one this kernel's hub runs, or None outside a hub)."""

    def __init__(self, session: str, exercise: str, *, hold: bool = False, client: ClassClient | None = None,
                 w: Words = ENGLISH):
        self.session, self.exercise = check_name(session, "class_session"), check_name(exercise, "exercise")
        self.hold, self.w = bool(hold), w
        self.client = client if client is not None else ClassClient.from_environment(session)
        self.collecting = self.client is not None
        """Whether answers reach the class (False outside a hub, or once the service could not be reached)."""
        self.sent: list[dict] = []
        """What the service kept of each answer sent (its replies), in order."""
        self.waiting = False
        self.status = W.HTML()
        self.status.add_class("rw-class-status")
        if self.collecting:
            self._say(w("Your answers go to the class ({session}).", session=session), QUIET)
        else:
            self._say(w("Answers are not collected here: this is not the class's hub (no class service)."), QUIET)

    def send(self, kind: str, value, state: dict, then: Callable[[], None] | None = None) -> None:
        """Send an answer; ``then()`` once it is kept (or could not be: the class is then not collecting)."""
        if not self.collecting:
            if then is not None:
                then()
            return
        in_background(lambda: self.client.send(self.exercise, kind, value, state), self._sent, then)

    def _sent(self, future: Future, then) -> None:
        try:
            self.sent.append(future.result())
            self._say(self.w("sent to the class ✓"), GOOD)
        except ClassServiceError as err:
            self._lost(err)
        if then is not None:
            then()

    def reveal_when_told(self, reveal: Callable[[], None]) -> None:
        """Call ``reveal()`` now, or, when the session holds the reveal and answers reach the class, once the
        teacher has revealed (asking once a second meanwhile)."""
        if not (self.hold and self.collecting):
            reveal()
            return
        self.waiting = True
        self._say(self.w("Waiting for the teacher to reveal the run…"), QUIET)
        self._ask(reveal)

    def _ask(self, reveal) -> None:
        in_background(self.client.status, self._heard, reveal)

    def _heard(self, future: Future, reveal) -> None:
        try:
            revealed = future.result()["revealed"]
        except ClassServiceError as err:
            self._lost(err)
            revealed = True  # nobody can reveal it now: the student is not kept waiting
        if revealed:
            self.waiting = False
            if self.collecting:
                self._say(self.w("The teacher revealed the run."), GOOD)
            reveal()
            return
        loop = running_loop()
        if loop is None:  # a script or a test: ask again at once, after the pause
            import time

            time.sleep(POLL)
            self._ask(reveal)
        else:
            loop.call_later(POLL, self._ask, reveal)

    def _lost(self, err: ClassServiceError) -> None:
        self.collecting = False
        self._say(self.w("Answers are not collected: {why}", why=str(err)), BAD)

    def _say(self, text: str, color: str) -> None:
        self.status.value = f"<div style='color:{color};padding:0 0 2px'>{html.escape(text)}</div>"
