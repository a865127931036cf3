"""A Lab in 简体中文 in a real JupyterLab at 1280×800 with the file browser open: its labels in Chinese and not cut
off, every slider track still at least 120 px, the figure drawn (screenshot ``lab-zh-Hans.png``), and a drag of
the learning-rate slider still changes the picture. The browser harness is tests/browser_support.py."""

from __future__ import annotations

import re
import time
from pathlib import Path

from browser_servers import artifact_dir, jupyterlab, notebooks_copy, report, require_browser, require_module
from browser_support import (
    Console,
    chromium,
    drag_handle,
    evidence_on_failure,
    open_and_run,
    pixels_changed,
    slider,
    snapshot,
    wait_for_frame_after,
    wait_for_quiet,
)
from side_by_side_support import BENIGN, assert_tracks

from regress_widgets.words import word

LANGUAGE = "zh-Hans"
LAB_CELL = f'import regress_widgets as rw\nlab = rw.Lab("caffe2", language="{LANGUAGE}")\nlab'
LR_LABEL = re.compile(rf"^\s*{re.escape(word(LANGUAGE, 'lr (α)'))}")

CUT_OFF = """() => Array.from(document.querySelectorAll('.rw-lab-caffe2 :is(.widget-label, button, .widget-checkbox)'))
    .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
    .map(el => `${el.textContent.trim()}: ${el.scrollWidth} > ${el.clientWidth} px`)"""
"""The labels, buttons and checkboxes of the Lab whose text does not fit their box (shown, cut off)."""


def write_notebook(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LAB_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_a_chinese_lab_in_jupyterlab(tmp_path):
    exe = require_browser()
    require_module("jupyterlab", "pip install -e \".[test]\"")
    start = time.monotonic()
    shots = artifact_dir("browser")
    root = notebooks_copy(tmp_path)
    write_notebook(root / "lab-zh.ipynb")
    timings: dict = {}
    with jupyterlab(root, tmp_path / "home", shots / "lab-zh-server.log") as (_server, base, token), \
            chromium(exe, tmp_path / "profile") as (_context, page), \
            evidence_on_failure(page, shots / "lab-zh-failure.png", console := Console(page, BENIGN)):
        lr_slider = slider(page, LR_LABEL).first
        open_and_run(page, f"{base}/lab/tree/lab-zh.ipynb?token={token}&reset", until=lr_slider)
        page.evaluate("() => document.querySelector('.rw-screen').scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        page.screenshot(path=str(shots / f"lab-{LANGUAGE}.png"))
        timings["zh-Hans Lab drawn (s)"] = round(time.monotonic() - start, 1)

        for english in ("pin this run", "back to the tutorial's values", "learning rate"):
            shown = word(LANGUAGE, english)
            assert page.get_by_text(shown, exact=True).count() >= 1, f"{shown!r} ({english}) is not on the page"
        assert page.get_by_text("pin this run").count() == 0, "an English button in a zh-Hans Lab"
        assert_tracks(page, "a zh-Hans Lab, file browser open")
        cut = page.evaluate(CUT_OFF)
        timings["zh-Hans labels cut off"] = len(cut)
        assert not cut, "labels that do not fit their box:\n" + "\n".join(cut)

        wait_for_quiet(page, 0, quiet_ms=1000)
        before = snapshot(page, "before", 0)
        t0 = drag_handle(page, lr_slider, 0.1)
        wait_for_frame_after(page, t0, 0)
        wait_for_quiet(page, 0, quiet_ms=1000)
        after = snapshot(page, "after", 0)
        timings["canvas before / after the drag (px)"] = (f"{before['width']}×{before['height']} / "
                                                          f"{after['width']}×{after['height']}")
        assert (before["width"], before["height"]) == (after["width"], after["height"]), \
            f"a drag resized the figure: {timings['canvas before / after the drag (px)']}"
        assert pixels_changed(page, "before", "after") > 0, "a drag of the lr slider changed nothing"
        page.screenshot(path=str(shots / f"lab-{LANGUAGE}-dragged.png"))
        errors = console.errors()
    timings["whole test (s)"] = round(time.monotonic() - start, 1)
    report(timings, name="lab-zh")
    assert not errors, "errors in the browser console:\n" + "\n".join(errors)
