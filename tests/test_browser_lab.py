"""One Lab in a real JupyterLab at 1280×800 with the file browser open, as a class sees it on a projector.

Checks what a student must be able to do at once: the contour plot and the lr slider on screen together,
every slider track at least 120 px, the figure filling the room beside the control column (and growing when
the file browser is hidden). Measures, in the page (performance.now(), frames recorded as they are
painted), what the class waits for, each several times (the table gives the median and the worst):

* a drag of the lr slider: the first changed frame after the press, and the last frame after the release;
  then :data:`DRAGS` more drags, each a new seed and about two idle seconds after it, so that many land while
  the Lab lays out the other recipes ahead (``lab/ahead.py``): drag → first frame p50/p90/p99, and p99 / p50
  (the goal: p99 ≤ 2 × p50, background work never holding a change back for long);
* a typed value (Enter) → the new frame; a new seed; the real-framework run switched on and off;
* a switch to another tutorial (the recipe menu), with a screenshot of each tutorial's Lab;
* play: frames painted per second.

It also opens a saved tutorial notebook without running it (a student reopening it): no widget error.
Timings are reported (``timings.json``, printed with ``-s``), never asserted: the machine sets them.
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

from browser_servers import VIEWPORT, artifact_dir, jupyterlab, notebooks_copy, report, require_browser, require_module
from browser_support import (
    CANVAS,
    Console,
    chromium,
    drag_handle,
    evidence_on_failure,
    frames,
    now,
    open_and_run,
    pixels_changed,
    slider,
    snapshot,
    type_value,
    typed_box,
    wait_for_frame_after,
    wait_for_quiet,
)
from side_by_side_support import BENIGN, LR_LABEL, assert_tracks

import regress_widgets as rw
from regress_widgets.lab.controls.layout import FIRST_WIDTH

REOPENED = "03_pytorch_linear_regression.ipynb"
LAB_CELL = 'import regress_widgets as rw\nlab = rw.Lab("pytorch")\nlab'
TIMES = 5  # each measurement, repeated
DRAGS = 30
"""Drags timed while the Lab lays out other recipes ahead (each after a new seed and an idle moment)."""
IDLE_BEFORE_DRAG = [1.9 + 0.55 * ((k * 7) % 11) / 10 for k in range(DRAGS)]
"""Seconds between a new seed and the drag: 1.9 to 2.45 s, spread (ahead starts 2 s after the last change)."""


def write_lab_notebook(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LAB_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def on_screen(box: dict | None) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"] \
        and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"]


def contour_box(page) -> dict:
    """The contour panel's box on the page: the canvas's box and the panel's place in the fitted layout."""
    from regress_widgets.panels.fit import fit

    canvas = page.locator(CANVAS).first.bounding_box()
    layout = fit(round(canvas["width"]))
    x, y, w, h = layout.panels["contour"][0]
    return {"x": canvas["x"] + x * canvas["width"], "y": canvas["y"] + (1 - y - h) * canvas["height"],
            "width": w * canvas["width"], "height": h * canvas["height"]}


def measure(page, act, tag: str, timings: dict, samples: dict) -> None:
    """``act()`` returns performance.now() of the student's action; the first frame painted after it."""
    t0 = act()
    try:
        first = wait_for_frame_after(page, t0, 0)
    except Exception as error:
        raise AssertionError(f"{tag}: no new frame within 20 s of the action") from error
    wait_for_quiet(page, 0, quiet_ms=400)
    samples.setdefault(tag, []).append(first - t0)


def summary(samples: dict, timings: dict) -> None:
    for tag, values in samples.items():
        timings[f"{tag}: median (ms)"] = round(statistics.median(values))
        timings[f"{tag}: worst (ms)"] = round(max(values))


def percentiles(values) -> dict[str, float]:
    """p50, p90 and p99 (linear interpolation between the samples, as numpy's default)."""
    import numpy as np

    return {f"p{q}": float(np.percentile(values, q)) for q in (50, 90, 99)}


def drags_behind_background_work(page, lr_slider, seed, timings: dict) -> list[float]:
    """:data:`DRAGS` drags, each a moment after a new seed (the Lab then lays the other recipes out again for it):
    drag → first changed frame, ms."""
    waits = []
    for k in range(DRAGS):
        t0 = type_value(page, seed, str(100 + k))
        wait_for_frame_after(page, t0, 0)
        page.wait_for_timeout(IDLE_BEFORE_DRAG[k] * 1000)
        t0 = drag_handle(page, lr_slider, 0.06 if k % 2 == 0 else -0.06)
        waits.append(wait_for_frame_after(page, t0, 0) - t0)
        wait_for_quiet(page, 0, quiet_ms=300)
    p = percentiles(waits)
    for name, value in p.items():
        timings[f"drag → first frame, behind background work ({DRAGS} drags): {name} (ms)"] = round(value)
    print("  drag → first frame (ms), in order: " + " ".join(f"{w:.0f}" for w in waits))
    return waits


def test_a_lab_in_jupyterlab(tmp_path):
    exe = require_browser()
    require_module("jupyterlab", "pip install -e \".[test]\"")
    start = time.monotonic()
    shots = artifact_dir("browser")
    root = notebooks_copy(tmp_path)
    write_lab_notebook(root / "lab.ipynb")
    timings: dict = {}
    samples: dict = {}
    with jupyterlab(root, tmp_path / "home", shots / "lab-server.log") as (_server, base, token), \
            chromium(exe, tmp_path / "profile") as (_context, page), \
            evidence_on_failure(page, shots / "lab-failure.png", console := Console(page, BENIGN)):
        # 1. A saved tutorial notebook, reopened and not run: its saved figure or a note, never an error
        page.goto(f"{base}/lab/tree/{REOPENED}?token={token}")
        page.wait_for_selector(".jp-Notebook", timeout=30_000)
        page.wait_for_timeout(3000)
        cell = page.locator(".jp-CodeCell", has_text="rw.Lab(").first
        cell.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shots / "reopened-03.png"))
        assert page.get_by_text("Error displaying widget").count() == 0, "a reopened notebook shows a widget error"
        stills = cell.locator(".jp-RenderedImage img")
        timings["reopened 03: still pictures of the Lab shown"] = stills.count()
        assert stills.count() == 1 and stills.first.bounding_box()["width"] > 300, \
            "a reopened notebook does not show the Lab's saved still picture"

        # 2. A Lab, run (a fresh workspace: only this notebook)
        lr_slider = slider(page, LR_LABEL).first
        open_and_run(page, f"{base}/lab/tree/lab.ipynb?token={token}&reset", until=lr_slider)
        timings["lab drawn (s)"] = round(time.monotonic() - start, 1)
        page.locator(".rw-screen").first.scroll_into_view_if_needed()
        page.evaluate("() => document.querySelector('.rw-screen').scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        page.screenshot(path=str(shots / "lab-pytorch.png"))

        # What a projector shows: the contour and the lr slider together; tracks a student can drag
        assert_tracks(page, "a Lab, file browser open")
        contour, handle = contour_box(page), lr_slider.bounding_box()
        timings["contour panel on screen"] = on_screen(contour)
        timings["lr slider on screen"] = on_screen(handle)
        assert on_screen(contour) and on_screen(handle), \
            f"the contour ({contour}) and the lr slider ({handle}) are not on screen together at 1280×800"
        room = page.locator(".rw-screen").first.bounding_box()
        canvas = page.locator(CANVAS).first.bounding_box()
        timings["figure: canvas / room beside the controls (px)"] = f"{canvas['width']:.0f} / {room['width']:.0f}"
        assert abs(canvas["width"] - room["width"]) <= 2, "the figure does not fill the room it has"
        assert round(room["width"]) == FIRST_WIDTH["full"], (  # else every kernel lays its panels out twice
            f"the kernel's first guess of the figure's room (FIRST_WIDTH) is not JupyterLab's: {room['width']:.0f} px")

        # 3. Latency, each several times
        box = typed_box(page, "lr").first
        seed = page.locator(".widget-text", has=page.locator(".widget-label", has_text=re.compile(r"^\s*seed\s*$")))
        seed = seed.locator("input").first
        real = page.locator(".widget-checkbox", has_text=re.compile("real PyTorch")).locator("input").first
        for k in range(TIMES):
            before = f"drag-{k}"
            snapshot(page, before, 0)
            t0 = drag_handle(page, lr_slider, 0.1 if k % 2 == 0 else -0.1)
            released = now(page)
            first = wait_for_frame_after(page, t0, 0)
            last = wait_for_quiet(page, 0, quiet_ms=500)
            snapshot(page, f"after-{k}", 0)
            assert pixels_changed(page, before, f"after-{k}") > 0, "a drag changed nothing on the figure"
            samples.setdefault("drag → first changed frame", []).append(first - t0)
            samples.setdefault("release → last frame", []).append(max(0.0, last - released))
            measure(page, lambda k=k: type_value(page, box, ("0.02", "0.03")[k % 2]), "typed lr → frame", timings,
                    samples)
            measure(page, lambda k=k: type_value(page, seed, str(k + 1)), "new seed → frame", timings, samples)
            for want in (True, False):  # (while it is on, the seed is the recording's: fixed)
                measure(page, lambda: (real.click(), now(page))[1], "real run on/off → frame", timings, samples)
                assert real.is_checked() == want, f"the real-run box does not show {want} after a click"

        waits = drags_behind_background_work(page, lr_slider, seed, timings)
        type_value(page, seed, "0")
        wait_for_quiet(page, 0, quiet_ms=500)

        # 4. Each tutorial's Lab (the recipe menu), timed
        menu = page.locator("select").filter(has=page.locator("option", has_text="Toy Regression")).first
        for name in ("caffe2", "mxnet", "pytorch"):
            title = rw.RECIPES[name].title
            measure(page, lambda title=title: (menu.select_option(label=title), now(page))[1],
                    "recipe switch → frame", timings, samples)
            page.locator(f".rw-lab-{name}").wait_for(timeout=10_000)
            wait_for_quiet(page, 0, quiet_ms=500)
            page.evaluate("() => document.querySelector('.rw-screen').scrollIntoView({block: 'start'})")
            page.screenshot(path=str(shots / f"lab-{name}.png"))

        # 5. The file browser hidden (a teacher's projector): the figure grows into the room
        narrow = page.locator(CANVAS).first.bounding_box()["width"]
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
        grew = f"() => document.querySelector({CANVAS!r}).getBoundingClientRect().width > {narrow + 50}"
        page.wait_for_function(grew, timeout=15_000)
        wait_for_quiet(page, 0, quiet_ms=500)
        page.screenshot(path=str(shots / "lab-sidebar-hidden.png"))
        timings["figure width, file browser open → hidden (px)"] = \
            f"{narrow:.0f} → {page.locator(CANVAS).first.bounding_box()['width']:.0f}"
        assert_tracks(page, "a Lab, file browser hidden")
        # ... and on a 1920×1080 screen: the whole figure (five panels) beside the controls
        wide = page.locator(CANVAS).first.bounding_box()["width"]
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.wait_for_function(grew.replace(str(narrow + 50), str(wide + 50)), timeout=15_000)
        wait_for_quiet(page, 0, quiet_ms=500)
        page.screenshot(path=str(shots / "lab-1920x1080.png"))
        timings["figure width at 1920×1080, file browser hidden (px)"] = \
            round(page.locator(CANVAS).first.bounding_box()["width"])
        assert_tracks(page, "a Lab at 1920×1080")
        page.set_viewport_size(VIEWPORT)
        shrunk = f"() => document.querySelector({CANVAS!r}).getBoundingClientRect().width < {wide + 10}"
        page.wait_for_function(shrunk, timeout=15_000)  # laid out again for 1280 px (not part of the play)
        wait_for_quiet(page, 0, quiet_ms=500)
        # 6. Play: frames painted per second while it plays
        play = page.locator("button.rw-play").first
        n0, t0 = len(frames(page)), now(page)
        play.click()
        page.wait_for_timeout(3000)
        n1, t1 = len(frames(page)), now(page)
        play.click()  # pause
        timings["play: frames painted per second"] = round((n1 - n0) / ((t1 - t0) / 1000), 1)
        wait_for_quiet(page, 0)

        errors = console.errors()
    summary(samples, timings)
    timings["whole test (s)"] = round(time.monotonic() - start, 1)
    p = percentiles(waits)
    timings["drags behind background work: p99 / p50"] = round(p["p99"] / p["p50"], 2)
    print(f"drag behind background work → first frame: p99 / p50 = {p['p99'] / p['p50']:.2f} (goal ≤ 2); waits "
          f"{', '.join(f'{w:.0f}' for w in waits)} ms")
    # issue 22: background work never holds a change back (laying out ahead goes in short steps, lab/ahead.py)
    # Reported, not asserted: with 30 drags p99 is nearly the slowest one, and on a shared machine a single load spike
    # decides it (measured: 1.47 and 1.61 on a quiet machine, 2.97 and 3.08 with a load average about 2)
    report(timings, name="lab")
    assert not errors, "errors in the browser console:\n" + "\n".join(errors)
