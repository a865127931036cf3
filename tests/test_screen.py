"""The Lab's screen widget (regress_widgets/lab/screen.py): frames pushed from the kernel, the figure fitted
to the width the page reports, clicks in figure coordinates. The browser side is in tests/test_browser.py."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image

import regress_widgets as rw
from regress_widgets.lab.screen.widget import Screen
from regress_widgets.panels.fit import arrangement, fit


class Page:
    """What a browser would receive: the screen's custom messages and their deflated boxes of pixels.
    ``frames`` holds (whole, [(x, y, rgba), …]) a frame."""

    def __init__(self, screen: Screen, monkeypatch):
        self.frames: list[tuple[bool, list]] = []
        self.acks: list[bool] = []
        monkeypatch.setattr(screen, "send", self._send)
        self.screen = screen

    def _send(self, content, buffers=None):
        assert content["type"] == "frame" and content["number"] == len(self.frames) + 1
        assert len(buffers) == len(content["at"]) >= 1
        parts = [(x, y, np.frombuffer(zlib.decompress(data), dtype=np.uint8).reshape(h, w, 4))
                 for (x, y, w, h), data in zip(content["at"], buffers, strict=True)]
        self.frames.append((content["whole"], parts))
        self.acks.append(content["ack"])

    def open(self):
        self.screen._heard(self.screen, {"type": "ready"}, [])

    def picture(self) -> np.ndarray:
        """The canvas as the browser paints it: a whole frame, then changed pixels drawn over it."""
        canvas = None
        for whole, parts in self.frames:
            if whole or canvas is None:
                assert whole and len(parts) == 1, "the first frame a view gets must be whole, in one part"
                canvas = parts[0][2].copy()
            else:
                for x, y, rgba in parts:
                    h, w = rgba.shape[:2]
                    region = canvas[y:y + h, x:x + w]
                    changed = rgba[..., 3] > 0
                    region[changed] = rgba[changed]
        return canvas


def figure_pixels(lab) -> np.ndarray:
    return np.asarray(lab.figure.canvas.buffer_rgba()).copy()


def test_before_a_browser_the_picture_is_kept_whole_in_the_state():
    lab = rw.Lab("pytorch", display="screen")
    screen = lab.view.widget
    assert screen.picture[:8] == b"\x89PNG\r\n\x1a\n"
    first = screen.picture
    lab.set(lr=0.02)
    assert screen.picture != first  # the saved widget state carries the latest figure
    shown = np.asarray(Image.open(io.BytesIO(screen.picture)).convert("RGBA"))
    np.testing.assert_array_equal(shown, figure_pixels(lab))


def test_frames_after_ready_are_changed_pixels_that_add_up_to_the_figure(monkeypatch):
    lab = rw.Lab("mxnet", display="screen")
    page = Page(lab.view.widget, monkeypatch)
    page.open()
    assert [whole for whole, _ in page.frames] == [True]
    for lr in (0.02, 0.05, 0.2):
        lab.set(lr=lr)
    assert [whole for whole, _ in page.frames] == [True, False, False, False]
    _, parts = page.frames[-1]
    area = sum(rgba.shape[0] * rgba.shape[1] for *_, rgba in parts)
    assert 0 < area < 0.8 * page.picture().shape[0] * page.picture().shape[1]  # only boxes around the changes
    np.testing.assert_array_equal(page.picture(), figure_pixels(lab))
    page.open()  # a second view (a reloaded page) gets a whole frame again
    assert page.frames[-1][0] is True


@pytest.mark.parametrize("width", [272, 411, 560, 800, 1100, 1700])
def test_the_figure_follows_the_reported_width(width, monkeypatch):
    lab = rw.Lab("caffe2", display="screen")
    screen = lab.view.widget
    Page(screen, monkeypatch).open()
    screen.width = width
    w, h = lab.figure.get_size_inches() * lab.figure.dpi
    assert round(w) == width and screen.size == [width, round(h)]
    assert lab.fitted == fit(width) and lab.panels.layout == fit(width)
    assert ("lr" in lab.panels.layout.panels) == (arrangement(width) == "grid")
    lab.set(lr=0.05)  # still live after the new layout
    assert lab.run.recipe.lr == 0.05


def test_a_hidpi_screen_gets_a_sharper_picture_of_the_same_size(monkeypatch):
    lab = rw.Lab("pytorch", display="screen")
    screen = lab.view.widget
    page = Page(screen, monkeypatch)
    page.open()
    screen.width = 600
    screen.pixel_ratio = 2
    assert screen.size == [600, round(fit(600).figsize[1] * 100)]
    assert page.frames[-1][1][0][2].shape[1] == 1200


def test_fitted_text_is_at_least_11_px():
    for width in (240, 272, 300, 411, 560, 639, 640, 800, 999, 1000, 1280, 1920):
        layout = fit(width)
        sizes = [layout.title, layout.label, layout.tick, layout.legend, layout.small, *layout.title_size]
        assert min(sizes) >= 8, (width, sizes)  # 8 pt at 100 dpi = 11.1 px


def test_an_explicit_size_is_kept(monkeypatch):
    lab = rw.Lab("pytorch", display="screen", figsize=(6, 4), dpi=80)
    screen = lab.view.widget
    Page(screen, monkeypatch).open()
    screen.width = 900
    assert tuple(lab.figure.get_size_inches()) == (6, 4) and lab.figure.dpi == 80


def test_a_click_arrives_in_display_coordinates(monkeypatch):
    lab = rw.Lab("pytorch", display="screen")
    screen = lab.view.widget
    Page(screen, monkeypatch).open()
    seen = []
    screen.on_click(lambda x, y: seen.append((x, y)))
    ax = lab.panels.contour.ax
    x, y = ax.transData.transform((1.0, 2.0))
    screen._heard(screen, {"type": "click", "x": x, "y": lab.figure.bbox.height - y}, [])
    (cx, cy), = seen
    assert ax.transData.inverted().transform((cx, cy)) == pytest.approx((1.0, 2.0), abs=1e-9)


def test_the_display_data_carry_a_still_picture_for_where_widgets_cannot_be_drawn():
    from regress_widgets.lab.screen.views import STILL_NOTE

    lab = rw.Lab("pytorch", display="screen")
    data = lab._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data and STILL_NOTE in data["text/plain"]
    import base64

    still = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    assert still.size == tuple(lab.view.widget.size)
    side = rw.SideBySide(display="screen")
    still = Image.open(io.BytesIO(base64.b64decode(side._repr_mimebundle_()["image/png"])))
    assert still.width == sum(lab.view.widget.size[0] for lab in side.labs.values())


def test_readouts_follow_the_picture_of_a_drag_once_it_pauses(monkeypatch):
    import asyncio

    from regress_widgets.lab.screen.pacer import READOUTS_AFTER, READOUTS_EVERY

    reference = rw.Lab("pytorch", display="none")
    reference.set(lr=0.03)

    async def drag():
        lab = rw.Lab("pytorch", display="screen")
        page = Page(lab.view.widget, monkeypatch)
        page.open()
        before = lab.readout.value
        lab.controls["lr"].value = 0.02  # two moves of a drag, on the page
        lab.controls["lr"].value = 0.03
        assert len(page.frames) == 3 and lab.readout.value == before  # the pictures went first
        await asyncio.sleep(READOUTS_AFTER + READOUTS_EVERY + 0.05)
        assert lab.readout.value == reference.readout.value  # then the readouts, once, of the last move
        lab.set(lr=0.04)  # a change made in code: its readouts at once
        assert lab.readout.value != reference.readout.value

    asyncio.run(drag())


def test_changed_boxes_hold_every_changed_pixel_and_do_not_overlap():
    from regress_widgets.lab.screen.png import changed_boxes

    rng = np.random.default_rng(0)
    for _ in range(50):
        changed = np.zeros((120, 200), dtype=bool)
        for _ in range(rng.integers(1, 6)):  # a few changed patches, as a frame has
            r, c = rng.integers(0, 110), rng.integers(0, 190)
            changed[r:r + rng.integers(1, 10), c:c + rng.integers(1, 10)] = rng.random() < 0.9
        changed[rng.integers(0, 120, 3), rng.integers(0, 200, 3)] = True
        covered = np.zeros_like(changed, dtype=int)
        for r0, r1, c0, c1 in changed_boxes(changed, gap=8):
            assert changed[r0:r1, c0:c1].any()
            covered[r0:r1, c0:c1] += 1
        assert covered.max() == 1 and (covered[changed] == 1).all()
    assert changed_boxes(np.zeros((5, 5), dtype=bool)) == []


def test_the_page_says_what_it_painted(monkeypatch):
    lab = rw.Lab("pytorch", display="screen")
    screen = lab.view.widget
    page = Page(screen, monkeypatch)
    page.open()
    heard = []
    screen.on_painted(lambda: heard.append(screen.unpainted))
    lab.set(lr=0.015)  # nobody waits for the page: it is not asked to say it painted
    assert screen.unpainted == 0 and page.acks[-1] is False
    screen.watchers = 1  # a player waits
    lab.set(lr=0.02)
    lab.set(lr=0.03)
    assert screen.sent == 4 and screen.unpainted == 2
    assert page.acks[-2:] == [False, True]  # asked about every second frame (ACK_EVERY)
    screen._heard(screen, {"type": "painted", "number": 4}, [])
    assert screen.unpainted == 0 and heard == [0]
    lab.set(lr=0.03)  # nothing changed on the picture: nothing is sent
    assert screen.sent == 4
    lab.set(lr=0.04)
    page.open()  # a new view: what went before is forgotten, it gets a whole frame
    assert screen.sent == 6 and screen.unpainted == 1 and page.frames[-1][0] is True
