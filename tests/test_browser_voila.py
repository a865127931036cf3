"""The side-by-side notebook as a Voilà app (``regress-widgets app``) in a real Chromium: the notebook's text and
widgets without its code; a drag of the learning-rate slider changes the contour and the θ readout. Screenshots
and timings go to ``test-artifacts/browser/`` as for ``test_browser.py`` (which says what it needs)."""

from __future__ import annotations

import sys
import time

from browser_servers import (
    Server,
    artifact_dir,
    free_port,
    report,
    require_browser,
    require_module,
    sandbox_env,
)
from browser_support import (
    Console,
    chromium,
    drag_handle,
    evidence_on_failure,
    slider,
    slider_position,
    wait_for_quiet,
    wait_for_widget_or_error,
)
from side_by_side_support import (
    BENIGN,
    LR_LABEL,
    TARGET,
    assert_tracks,
    column,
    horizontal_overflow,
    layout_reference,
    layout_report,
    move_and_check,
    whole_widget_screenshot,
)

import regress_widgets as rw
from regress_widgets.lab.controls.sliders import LR_DIGITS


def test_side_by_side_as_a_voila_app(tmp_path):
    exe = require_browser()
    require_module("voila", "pip install -e \".[test]\" (voila==0.5.13)")
    start = time.monotonic()
    shots = artifact_dir("browser")
    index = list(rw.RECIPES).index(TARGET)
    port = free_port()
    # The real command, `regress-widgets app`, in its own process: Voilà runs inside it, so its PID is
    # the server's and SIGTERM stops it and its kernel.
    argv = [sys.executable, "-m", "regress_widgets.cli", "app", "--no-browser", f"--port={port}",
            "--Voila.port_retries=0"]
    base = f"http://127.0.0.1:{port}"
    server = Server(argv, url=base, probe=None, env=sandbox_env(tmp_path / "home"),
                    log=shots / "voila-server.log", cwd=tmp_path)
    timings: dict[str, float] = {}
    try:
        server.wait_ready()
        timings["server ready (s)"] = round(time.monotonic() - start, 1)
        with chromium(exe, tmp_path / "profile") as (_context, page), \
                evidence_on_failure(page, shots / "voila-failure.png", console := Console(page, BENIGN)):
            page.goto(base + "/")
            col = column(page, TARGET)
            lr_slider = slider(page, LR_LABEL, scope=col)
            wait_for_widget_or_error(page, lr_slider)
            page.wait_for_function("i => (window.__frames || []).some(f => f.n === i)", arg=index,
                                   timeout=30_000)
            wait_for_quiet(page)
            timings["app drawn (s)"] = round(time.monotonic() - start, 1)
            # an app: the notebook's text and widgets, not its code
            assert page.get_by_text("side by side", exact=False).first.is_visible()
            assert page.locator(".jp-InputArea-editor, .jp-CodeMirrorEditor, .cm-editor").count() == 0
            assert page.get_by_text("rw.SideBySide()").count() == 0
            rect, index = layout_reference(page, TARGET)
            page.screenshot(path=str(shots / "voila-loaded.png"))
            overflow = horizontal_overflow(page)
            layout = layout_report(page)
            assert_tracks(page, "Voilà")

            def lr_now():
                return float(f"{10.0 ** slider_position(lr_slider):.{LR_DIGITS}g}")

            start_lr = lr_now()
            lr, changed = move_and_check(page, col, rect, index, "voila-drag",
                                         lambda: drag_handle(page, lr_slider, -0.12), lr_now, shots, timings)
            assert lr < start_lr / 1.2, f"the drag did not move the slider (lr {start_lr:g} → {lr:g})"
            timings["drag: contour pixels changed"] = changed
            whole_widget_screenshot(page, shots / "voila-side_by_side.png")
            errors = console.errors()
    finally:
        code = server.stop()
    timings["whole test (s)"] = round(time.monotonic() - start, 1)
    report(timings, overflow, layout, "voila")
    assert not errors, "errors in the browser console:\n" + "\n".join(errors)
    assert code is not None
