"""Memory the runs freed, given back to the system once the class pauses: :func:`after_change`.

A drag allocates and frees arrays of a few MB a move (paths, losses, a new stream's batch statistics and the scan's
temporaries); glibc's malloc keeps what was freed in its heap for the next ones, so a kernel held 60–100 MB more
after a lesson than when it was built (benchmarks/kernel.py, a SideBySide: 149 MB built, 251 after a lesson).
:data:`PAUSE` s after the last change ``malloc_trim(0)`` gives the free pages back, once (3–5 ms on the kernel's
event loop): nothing while the class drags, nothing while it is idle. A no-op where the C library has no
malloc_trim (macOS, Windows, musl) or no event loop runs (a script).
"""

from __future__ import annotations

import ctypes

from ..screen.views import running_loop

PAUSE = 2.0
"""Seconds without a change before the freed memory is given back."""
_state: dict = {}  # "timer": the pending call; "trim": the C function (None where there is none)


def after_change() -> None:
    """A change is being computed: give the memory back :data:`PAUSE` s after the last one."""
    loop = running_loop()
    if loop is None:
        return
    timer = _state.pop("timer", None)
    if timer is not None:
        timer.cancel()
    _state["timer"] = loop.call_later(PAUSE, release)


def release() -> bool:
    """Give the heap's free pages back to the system now; whether the C library could."""
    _state.pop("timer", None)
    if "trim" not in _state:
        try:
            _state["trim"] = ctypes.CDLL(None).malloc_trim  # glibc's, in this very process
        except (OSError, AttributeError):
            _state["trim"] = None
    if _state["trim"] is None:
        return False
    _state["trim"](0)
    return True
