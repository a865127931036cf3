"""Classroom mode in a real browser (issue 16): what a student does with a teacher's exercise and link.

* JupyterLab at 1280×800, the file browser open: a Lab asking "where will θ be after 40 steps?". The student
  clicks on the contours (the Lab's screen canvas), commits, and the distance the page shows must be the one the
  engine gives (``rw.train`` at the point the kernel heard, read back from the kernel); the export button writes a
  1920×1080 PNG beside the notebook; "try again" hides the run again (the picture is the one before the guess).
* Voilà (``regress-widgets app``) opened with a teacher's link ``?recipe=pytorch&lr=0.3&hide=noise,batch_size``:
  the PyTorch column's lr slider shows 0.3 and its θ readout the engine's run, the other columns their tutorial's
  lr, and the hidden controls are absent from every column; a wrong link (``lr=abc``) shows the error naming it.

Screenshots go to ``test-artifacts/browser/classroom-*.png``; timings to ``timings.json``.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
import time

from browser_servers import (
    Server,
    artifact_dir,
    free_port,
    jupyterlab,
    notebooks_copy,
    report,
    require_browser,
    require_module,
    sandbox_env,
)
from browser_support import (
    CANVAS,
    Console,
    chromium,
    evidence_on_failure,
    now,
    open_and_run,
    pixels_changed,
    slider,
    slider_position,
    slider_step,
    snapshot,
    typed_box,
    wait_for_frame_after,
    wait_for_quiet,
    wait_for_widget_or_error,
)
from side_by_side_support import BENIGN, LR_LABEL, column, expected_theta, wait_for_readout
from test_browser_lab import contour_box

import regress_widgets as rw
from regress_widgets.lab.controls.sliders import LR_DIGITS

SEED, LR, STEP = 2, 0.02, 40
LAB_CELL = ("import regress_widgets as rw\n"
            f"lab = rw.Lab('pytorch', seed={SEED}, lr={LR}, predict={{'kind': 'point', 'step': {STEP}}})\nlab")
READ_BACK = "import json\nprint('GUESS', json.dumps(lab.classroom.prediction.guess))"
LINK = "recipe=pytorch&lr=0.3&hide=noise,batch_size"


def write_notebook(path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LAB_CELL), nbformat.v4.new_code_cell(READ_BACK)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def png_size(path) -> tuple[int, int]:
    """Width and height of a PNG file (its IHDR chunk); AssertionError if it is not a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def click_and_wait(page, locator) -> None:
    """Click ``locator`` and wait for the figure's next frame, then for it to settle."""
    t0 = now(page)
    locator.click()
    wait_for_frame_after(page, t0, 0)
    wait_for_quiet(page, 0, quiet_ms=400)


def read_guess(page) -> list[float]:
    """Run the read-back cell (Shift+Enter) and return the guess the kernel holds, exactly (JSON)."""
    cell = page.locator(".jp-CodeCell").nth(1)
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    out = cell.locator(".jp-OutputArea-output", has_text=re.compile(r"GUESS \["))
    out.wait_for(timeout=20_000)
    return json.loads(out.inner_text().split("GUESS", 1)[1])


def test_predict_reveal_export_and_try_again_in_jupyterlab(tmp_path):
    exe = require_browser()
    require_module("jupyterlab", "pip install -e \".[test]\"")
    start = time.monotonic()
    shots = artifact_dir("browser")
    root = notebooks_copy(tmp_path)
    write_notebook(root / "predict.ipynb")
    timings: dict = {}
    with jupyterlab(root, tmp_path / "home", shots / "classroom-server.log") as (_server, base, token), \
            chromium(exe, tmp_path / "profile") as (_context, page), \
            evidence_on_failure(page, shots / "classroom-failure.png", console := Console(page, BENIGN)):
        commit = page.locator(".rw-prediction button", has_text="commit my prediction")
        open_and_run(page, f"{base}/lab/tree/predict.ipynb?token={token}&reset", until=commit)
        timings["lab drawn (s)"] = round(time.monotonic() - start, 1)
        page.evaluate("() => document.querySelector('.rw-prediction').scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        assert page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").count() == 1, \
            "the file browser is not open"
        box = contour_box(page)
        whole = (0.0, 0.0, 1.0, 1.0)
        snapshot(page, "pending", 0, whole)
        page.screenshot(path=str(shots / "classroom-pending.png"))
        export = page.locator(".widget-button", has_text=re.compile(r"^\s*export\s*$")).first
        assert export.is_disabled(), "the export button is enabled while the prediction is pending"

        # 1. A click on the contours: the guess, shown in the typed boxes
        x, y = box["x"] + 0.35 * box["width"], box["y"] + 0.4 * box["height"]
        t0 = now(page)
        page.mouse.click(x, y)
        wait_for_frame_after(page, t0, 0)
        wait_for_quiet(page, 0, quiet_ms=400)
        inputs = page.locator(".rw-prediction .widget-text input")
        page.wait_for_function("() => Array.from(document.querySelectorAll('.rw-prediction .widget-text input'))"
                               ".every(i => i.value !== '')", timeout=10_000)
        shown = [inputs.nth(k).input_value() for k in range(2)]

        # 2. Commit: the run revealed, the distance as the engine gives it
        click_and_wait(page, commit)
        result = page.locator(".rw-prediction-result")
        result.locator("text=Distance").wait_for(timeout=10_000)
        text = result.inner_text()
        page.screenshot(path=str(shots / "classroom-revealed.png"))
        snapshot(page, "revealed", 0, whole)
        guess = read_guess(page)
        assert shown == [f"{v:.4g}" for v in guess], f"the boxes show {shown}, the kernel heard {guess}"
        run = rw.train("pytorch", seed=SEED, lr=LR)
        expected = math.hypot(run.theta[STEP, 0] - guess[0], run.theta[STEP, 1] - guess[1])
        distance = re.search(r"Distance\s+([-+]?[0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)", text)
        assert distance and distance.group(1) == f"{expected:.4g}", \
            f"the page says {text!r}; the engine gives distance {expected:.4g} from {guess}"
        assert f"({run.theta[STEP, 0]:.4g}, {run.theta[STEP, 1]:.4g})" in text, text
        assert pixels_changed(page, "pending", "revealed") > 0, "the reveal changed nothing on the figure"
        timings["revealed: distance shown / engine"] = f"{distance.group(1)} / {expected:.4g}"

        # 3. The export button: a PNG for slides beside the notebook
        assert not export.is_disabled(), "the export button stays disabled after the reveal"
        export.click()
        saved = root / "lab-pytorch-01.png"
        page.get_by_text(re.compile(r"saved .*lab-pytorch-01\.png")).first.wait_for(timeout=20_000)
        assert saved.exists(), f"the export button wrote no {saved.name} beside the notebook"
        assert png_size(saved) == (1920, 1080), f"exported {png_size(saved)}, not 1920×1080"
        shutil.copy(saved, shots / "classroom-exported.png")
        timings["export: PNG size (px)"] = "×".join(map(str, png_size(saved)))

        # 4. Try again: guess and result cleared, the run hidden again
        again = page.locator(".rw-prediction button", has_text="try again")
        assert again.is_visible()
        click_and_wait(page, again)
        page.wait_for_function("() => !document.querySelector('.rw-prediction-result').innerText.trim()",
                               timeout=10_000)
        assert [inputs.nth(k).input_value() for k in range(2)] == ["", ""]
        assert not commit.is_disabled() and not again.is_visible()
        assert export.is_disabled(), "export is allowed again while the new prediction is pending"
        page.screenshot(path=str(shots / "classroom-try-again.png"))
        snapshot(page, "again", 0, whole)
        changed = pixels_changed(page, "pending", "again")
        timings["try again: pixels different from the first pending picture"] = changed
        assert changed == 0, f"after 'try again' the figure is not the one before the guess ({changed} pixels)"
        assert page.locator(CANVAS).count() == 1
        errors = console.errors()
    timings["whole test (s)"] = round(time.monotonic() - start, 1)
    report(timings, name="classroom-jupyterlab")
    assert not errors, "errors in the browser console:\n" + "\n".join(errors)


def test_a_teachers_link_opens_the_voila_app_with_its_settings(tmp_path):
    exe = require_browser()
    require_module("voila", "pip install -e \".[test]\" (voila==0.5.13)")
    start = time.monotonic()
    shots = artifact_dir("browser")
    port = free_port()
    argv = [sys.executable, "-m", "regress_widgets.cli", "app", f"--folder={tmp_path / 'notebooks'}", "--no-browser",
            f"--port={port}", "--Voila.port_retries=0"]  # copies of this checkout's notebooks, made for this test
    base = f"http://127.0.0.1:{port}"
    server = Server(argv, url=base, probe=None, env=sandbox_env(tmp_path / "home"),
                    log=shots / "classroom-voila-server.log", cwd=tmp_path)
    timings: dict = {}
    try:
        server.wait_ready()
        with chromium(exe, tmp_path / "profile") as (_context, page), \
                evidence_on_failure(page, shots / "classroom-voila-failure.png", console := Console(page, BENIGN)):
            page.goto(f"{base}/?{LINK}")
            col = column(page, "pytorch")
            lr_slider = slider(page, LR_LABEL, scope=col)
            wait_for_widget_or_error(page, lr_slider)
            index = list(rw.RECIPES).index("pytorch")
            page.wait_for_function("i => (window.__frames || []).some(f => f.n === i)", arg=index, timeout=30_000)
            wait_for_quiet(page)
            timings["app drawn (s)"] = round(time.monotonic() - start, 1)
            handle, step = slider_position(lr_slider), slider_step(lr_slider)  # a log slider: exponents
            assert abs(handle - math.log10(0.3)) <= step, \
                f"the PyTorch column's lr slider is at {10 ** handle:.4g}, the link says 0.3"
            typed = typed_box(col, "lr").input_value()
            timings["the link's lr 0.3: typed box shows / slider handle at"] = f"{typed} / {10 ** handle:.{LR_DIGITS}g}"
            assert typed == "0.3", f"the PyTorch column's lr box shows {typed}, the link says 0.3"
            want = expected_theta("pytorch", 0.3)
            seen = wait_for_readout(page, col, want)
            assert seen == want, f"the PyTorch column's θ readout shows {seen}, the engine gives {want} at lr 0.3"
            for name in ("caffe2", "mxnet"):  # the other columns: their tutorial's lr
                other = typed_box(column(page, name), "lr").input_value()
                assert float(other) == rw.RECIPES[name].lr, f"the {name} column's lr is {other}"
            page.evaluate("() => document.querySelector('.widget-gridbox').scrollIntoView({block: 'start'})")
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / "classroom-voila-columns.png"))
            # hidden in every column: batch size (on show under lr), noise (under "more settings", opened)
            col.get_by_text("more settings").first.click()
            gamma = typed_box(col, "gamma")
            gamma.wait_for(state="visible", timeout=10_000)
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / "classroom-voila-link.png"))
            for name in rw.RECIPES:
                for hidden in ("batch_size", "noise"):  # each row is on the page, hidden (its typed box too)
                    boxes = typed_box(column(page, name), hidden)
                    assert boxes.count() >= 1, f"the {name} column has no {hidden} control at all"
                    visible = [k for k in range(boxes.count()) if boxes.nth(k).is_visible()]
                    assert not visible, f"the {name} column shows the hidden control {hidden!r}"
                assert typed_box(column(page, name), "lr").is_visible()
            timings["link"] = LINK
            errors = console.errors()
            # a wrong link: the app says which key is wrong, and why
            page.goto(f"{base}/?recipe=pytorch&lr=abc")
            said = page.get_by_text("The link is wrong: lr must be a number in (0, 10], got 'abc'.").first
            said.wait_for(timeout=60_000)
            assert page.get_by_text("Traceback").count() == 0, "a wrong link shows a traceback, not one line"
            page.screenshot(path=str(shots / "classroom-voila-bad-link.png"))
    finally:
        server.stop()
    timings["whole test (s)"] = round(time.monotonic() - start, 1)
    report(timings, name="classroom-voila")
    assert not errors, "errors in the browser console:\n" + "\n".join(errors)
