"""The play button (regress_widgets/lab/player.py): it plays in the kernel on its own clock and never runs
ahead of the page. The browser side (frames painted per second) is in tests/test_browser_lab.py."""

from __future__ import annotations

import asyncio

import regress_widgets as rw
from regress_widgets.lab.screen.pacer import READOUTS_EVERY
from regress_widgets.lab.screen.player import AHEAD, FRAME_SECONDS, stride


class Page:
    """A browser that shows the Lab's screen and paints a frame when told to (or at once: ``keeps_up``)."""

    def __init__(self, screen, keeps_up: bool):
        self.screen, self.keeps_up, self.numbers = screen, keeps_up, []
        screen.send = self._send
        screen._heard(screen, {"type": "ready"}, [])

    def _send(self, content, buffers=None):
        if not content["ack"]:  # nobody waits: the page says nothing back
            return
        self.numbers.append(content["number"])
        if self.keeps_up:
            asyncio.get_running_loop().call_soon(self.paint)

    def paint(self):
        if self.numbers:
            self.screen._heard(self.screen, {"type": "painted", "number": self.numbers[-1]}, [])


def test_the_player_waits_for_the_page_and_goes_on_when_it_paints():
    async def play():
        lab = rw.Lab("pytorch", display="screen")
        page = Page(lab.view.widget, keeps_up=False)
        lab.show_step(0)
        page.paint()
        lab.controls["play"].value = True
        assert lab.controls["play"].description == "pause"
        await asyncio.sleep(FRAME_SECONDS * 6)
        assert lab.player.frames == AHEAD and lab.position == AHEAD * stride(lab.run.steps)  # then it waits
        page.paint()  # the page says it caught up (with the last frame it was asked about): on, then it waits
        await asyncio.sleep(FRAME_SECONDS * 6)
        second = lab.player.frames
        assert AHEAD < second <= 2 * AHEAD and lab.view.widget.unpainted >= AHEAD
        lab.controls["play"].value = False  # pause
        page.paint()
        await asyncio.sleep(FRAME_SECONDS * 3)
        assert lab.player.frames == second and lab.controls["play"].description == "play"

    asyncio.run(play())


def test_a_run_plays_to_its_end_on_the_clock_and_readouts_follow():
    async def play():
        lab = rw.Lab("caffe2", display="screen")
        Page(lab.view.widget, keeps_up=True)
        lab.show_step(0)
        lab.controls["play"].value = True
        start = asyncio.get_running_loop().time()
        seen = set()
        while lab.controls["play"].value:
            seen.add(lab.readouts.step_info.value)
            await asyncio.sleep(0.01)
        took = asyncio.get_running_loop().time() - start
        assert lab.position == lab.run.steps and lab.player.frames == 100  # Caffe2: 100 steps, one a frame
        assert took >= 99 * FRAME_SECONDS  # the clock, not as fast as it can
        await asyncio.sleep(READOUTS_EVERY + 0.1)  # the readouts of the last frame follow
        assert "step <b>100</b> of 100" in lab.readouts.step_info.value
        assert len(seen) > 10  # the step readout followed the play, not only its end
        lab.controls["play"].value = True  # at the end, play starts again from the first step
        await asyncio.sleep(FRAME_SECONDS * 2.5)
        assert 0 < lab.position < 10
        lab.player.stop()

    asyncio.run(play())


def test_side_by_side_plays_the_three_runs_together():
    async def play():
        side = rw.SideBySide(display="screen")
        for lab in side.labs.values():
            Page(lab.view.widget, keeps_up=True)
        side.progress.value = 0.9
        side.play.value = True
        while side.play.value:
            await asyncio.sleep(0.01)
        assert side.player.frames == 20 and side.progress.value == 1
        assert all(lab.position == lab.run.steps for lab in side.labs.values())

    asyncio.run(play())
