"""The Lab gives the memory its runs freed back to the system once the class pauses (lab/controls/release.py)."""

import asyncio
import sys

import pytest

from regress_widgets.lab.controls import release


def test_no_event_loop_schedules_nothing():
    release._state.pop("timer", None)
    release.after_change()
    assert "timer" not in release._state


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim: Linux only")
def test_a_pause_after_changes_gives_memory_back_once(monkeypatch):
    calls = []
    release.release()  # the C function found (glibc here)
    assert release._state["trim"] is not None
    monkeypatch.setitem(release._state, "trim", lambda pad: calls.append(pad) or 1)
    monkeypatch.setattr(release, "PAUSE", 0.05)

    async def drag():
        for _ in range(5):  # changes closer than the pause: one release, after the last
            release.after_change()
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)

    asyncio.run(drag())
    assert calls == [0] and "timer" not in release._state
