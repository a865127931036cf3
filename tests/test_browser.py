"""End to end, the way a student uses it: a real JupyterLab (and a Voilà app) in a real Chromium.

nbval runs no JavaScript, so only this proves that a slider drag changes the picture. The JupyterLab
test opens ``00_side_by_side.ipynb``, runs all cells, drags one learning-rate slider and types a value
into its readout, and checks that the contour panel's pixels change, that the θ readout shows what
``rw.train`` computes for the new learning rate, and that the browser logged no error. The Voilà test
(``test_browser_voila.py``) serves the same notebook with ``regress-widgets app`` and drags the slider there.

Screenshots, server logs and ``timings.json`` (server start, drag → first new canvas frame, ...) go to
``test-artifacts/browser/``; ``pytest -s`` also prints them, with the widths each column, slider track
and canvas get at 1280×800. ``side_by_side.png`` there is the README's picture (``docs/side_by_side.png``).

Needs Chromium on PATH (``apt-get install -y chromium``) and playwright (the ``test`` extra). Without them
the tests FAIL in CI (the CI variable set) with what to install, and skip, saying why, only outside CI.
"""

from __future__ import annotations

import math
import time

import pytest
from browser_servers import (
    artifact_dir,
    jupyterlab,
    notebooks_copy,
    report,
    require_browser,
    require_module,
)
from browser_support import (
    CANVAS,
    STDERR,
    Console,
    all_cells_ran,
    chromium,
    drag_handle,
    evidence_on_failure,
    frames,
    now,
    parse_number,
    run_all_cells,
    slider,
    slider_position,
    slider_step,
    type_value,
    typed_box,
    wait_for_quiet,
)
from side_by_side_support import (
    BENIGN,
    LR_LABEL,
    NOTEBOOK,
    TARGET,
    assert_tracks,
    column,
    expected_theta,
    horizontal_overflow,
    layout_reference,
    layout_report,
    move_and_check,
    scroll_to_top_of,
    track_widths,
    wait_for_readout,
    whole_widget_screenshot,
)

import regress_widgets as rw
from regress_widgets.lab.controls.layout import FIRST_WIDTH
from regress_widgets.lab.controls.sliders import LR_DIGITS


def test_side_by_side_in_jupyterlab(tmp_path):
    exe = require_browser()
    require_module("jupyterlab", "pip install -e \".[test]\"")
    start = time.monotonic()
    shots = artifact_dir("browser")
    root = notebooks_copy(tmp_path)
    index = list(rw.RECIPES).index(TARGET)
    timings: dict[str, float] = {}

    with jupyterlab(root, tmp_path / "home", shots / "jupyterlab-server.log") as (server, base, token), \
            chromium(exe, tmp_path / "profile") as (_context, page), \
            evidence_on_failure(page, shots / "jupyterlab-failure.png", console := Console(page, BENIGN)):
        timings["server ready (s)"] = round(time.monotonic() - start, 1)
        page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
        page.wait_for_selector(".jp-Notebook", timeout=30_000)
        page.screenshot(path=str(shots / "jupyterlab-opened.png"))  # what a student sees before running
        col = column(page, TARGET)
        lr_slider = slider(page, LR_LABEL, scope=col)
        run_all_cells(page, until=lr_slider)
        page.wait_for_function(f"n => document.querySelectorAll({CANVAS!r}).length >= n", arg=len(rw.RECIPES),
                               timeout=30_000)
        page.wait_for_function("i => (window.__frames || []).some(f => f.n === i)", arg=index, timeout=30_000)
        deadline = time.monotonic() + 60
        while not all_cells_ran(page) and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert all_cells_ran(page), "not every code cell ran: prompts " + repr(page.locator(
            ".jp-CodeCell .jp-InputPrompt").all_text_contents()) + ", kernel " + repr(page.locator(
            ".jp-Notebook-ExecutionIndicator").first.get_attribute("data-status"))
        wait_for_quiet(page)
        timings["notebook ran, widgets drawn (s)"] = round(time.monotonic() - start, 1)
        errors_out = page.locator(STDERR).all_inner_texts()
        assert not errors_out, f"a cell wrote to stderr or raised: {errors_out}"
        assert page.get_by_text("Error displaying widget").count() == 0

        rect, index = layout_reference(page, TARGET)
        scroll_to_top_of(page, ".widget-gridbox")
        page.screenshot(path=str(shots / "jupyterlab-loaded.png"))
        overflow = horizontal_overflow(page)
        layout = layout_report(page)
        assert_tracks(page, "JupyterLab, file browser open")
        first = f"{FIRST_WIDTH['compact']} px canvas shown in {FIRST_WIDTH['compact']} px"
        assert all(first in line for line in layout), (  # else every student's kernel lays its panels out twice
            f"the kernel's first guess of a column's width (FIRST_WIDTH) is not what JupyterLab gives it: {layout}")

        def lr_now():  # the slider's position is an exponent of 10; the kernel keeps LR_DIGITS of 10**position
            return float(f"{10.0 ** slider_position(lr_slider):.{LR_DIGITS}g}")

        start_lr = lr_now()
        assert math.isclose(start_lr, rw.RECIPES[TARGET].lr, rel_tol=1e-9)
        assert wait_for_readout(page, col, expected_theta(TARGET, start_lr)) == expected_theta(TARGET, start_lr)

        # 1. Drag the handle right by 12% of its track: a larger learning rate (×4 over the slider's five
        #    decades, still below 2/λmax ≈ 0.375).
        lr, changed = move_and_check(page, col, rect, index, "jupyterlab-drag",
                                     lambda: drag_handle(page, lr_slider, 0.12), lr_now, shots, timings)
        assert lr > start_lr * 1.2, f"the drag did not move the slider (lr {start_lr:g} → {lr:g})"
        assert math.isclose(parse_number(typed_box(col, "lr").input_value()), lr, rel_tol=5e-3)
        timings["drag: contour pixels changed"] = changed

        # 2. Type a value into the box beside the slider, as a student who wants 0.05: the kernel gets the text
        #    as typed and runs exactly 0.05; the handle follows.
        lr, changed = move_and_check(page, col, rect, index, "jupyterlab-typed",
                                     lambda: type_value(page, typed_box(col, "lr"), "0.05"), lambda: 0.05, shots,
                                     timings)
        assert slider_step(lr_slider) <= 0.001
        assert abs(10.0 ** slider_position(lr_slider) / 0.05 - 1) < 1e-3
        assert parse_number(typed_box(col, "lr").input_value()) == 0.05

        timings["typed: contour pixels changed"] = changed
        timings["typed 0.05: lr the kernel got"] = f"{lr:.6g}"

        for header in page.get_by_text("more settings").all():  # every slider of every column, opened
            header.click()
        page.wait_for_timeout(500)
        assert_tracks(page, "JupyterLab, file browser open, 'more settings' opened")
        timings["narrowest slider track, more settings opened (px)"] = min(track_widths(page).values())
        whole_widget_screenshot(page, shots / "side_by_side-more-settings.png")
        for header in page.get_by_text("more settings").all():
            header.click()
        page.wait_for_timeout(300)

        page.locator(CANVAS).nth(index).screenshot(path=str(shots / "jupyterlab-canvas.png"))
        whole_widget_screenshot(page, shots / "side_by_side-file-browser-open.png")

        # A teacher on a projector may hide the file browser: how does it look then? (reported, not asserted)
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()  # collapses it
        page.wait_for_timeout(500)
        filled = """() => Array.from(document.querySelectorAll('.widget-gridbox > .widget-vbox')).every(col => {
            const c = col.querySelector('canvas.rw-screen-canvas');
            return c && c.getBoundingClientRect().width >= col.getBoundingClientRect().width - 4; })"""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:  # each column's figure is laid out again for its wider column
            page.wait_for_function(filled, timeout=20_000)
        except PlaywrightTimeout:
            raise AssertionError("with the file browser hidden, the figures did not grow into their columns:\n"
                                 + "\n".join(layout_report(page))) from None
        wait_for_quiet(page, quiet_ms=300)
        layout += ["with the file browser hidden:", *layout_report(page)]
        scroll_to_top_of(page, ".widget-gridbox")
        page.screenshot(path=str(shots / "jupyterlab-sidebar-hidden.png"))
        whole_widget_screenshot(page, shots / "side_by_side.png")  # the README's picture: docs/side_by_side.png

        # 4. Type −1 (after the README picture): refused, with a message under the slider naming the setting and
        #    its range; nothing changes.
        type_value(page, typed_box(col, "lr"), "-1")
        note = col.locator(".rw-note-lr")
        note.get_by_text("lr must be a number in (0, 10]", exact=False).wait_for(timeout=10_000)
        assert parse_number(typed_box(col, "lr").input_value()) == 0.05
        timings["typed -1: message shown"] = note.inner_text().strip()
        timings["frames painted"] = len(frames(page))

        # 5. Play (the shared play button): frames painted per second in each column, reported
        play = page.locator("button.rw-play").first
        play.scroll_into_view_if_needed()
        n0, t0 = len(frames(page)), now(page)
        play.click()
        page.wait_for_timeout(3000)
        n1, t1 = len(frames(page)), now(page)
        play.click()  # pause
        timings["play: frames painted per second, each column"] = round((n1 - n0) / 3 / ((t1 - t0) / 1000), 1)
        wait_for_quiet(page)
        errors = console.errors()
        for text, why in console.allowed:
            print(f"allowed console message ({why}): {text}")

    timings["whole test (s)"] = round(time.monotonic() - start, 1)
    report(timings, overflow, layout, "jupyterlab")
    assert not errors, "errors in the browser console:\n" + "\n".join(errors)
    assert server.proc.returncode is not None, "the server is still running"


# ------------------------------------------------------------------------------------------ Voilà
def test_ci_does_not_skip_the_browser_tests(monkeypatch):
    """Without a browser, CI fails with what to install; elsewhere the test skips, saying why."""
    import browser_servers

    monkeypatch.setattr(browser_servers.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        browser_servers.require_browser()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="CI variable is unset"):
        browser_servers.require_browser()
