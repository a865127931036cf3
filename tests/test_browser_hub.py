"""A student on a real JupyterHub, in a real Chromium (issue 22, "a class of 30 on one JupyterHub").

The hub (tests/hub_support.py) runs behind configurable-http-proxy on loopback with the teacher's snippet,
``docs/hub/jupyterhub_config.d/regress_widgets.py``. A student logs in at ``/hub/login`` and lands, by the snippet's
default URL, on notebook 00 in JupyterLab under ``/user/<name>/lab`` (1280×800, the file browser open), on their own
copies of the notebooks; runs it; drags the PyTorch column's lr slider and types values into its box, and each time
a new frame of the figure arrives through the proxy (the p50 of move → first new frame is printed and written to
``test-artifacts/browser/timings.json``). Then the same notebook as an app, Voilà under
``/user/<name>/voila/render/00_side_by_side.ipynb?recipe=pytorch&lr=0.3&hide=noise``: the link's settings are
applied, the notebook's math is typeset (MathJax's output, not raw ``$…$``; Voilà inside a server would fetch MathJax
from a CDN without ``regress-widgets singleuser``'s setting), and the console shows no error of ours.

Screenshots: ``test-artifacts/browser/hub-jupyterlab.png`` and ``hub-voila.png``. Needs what the other browser tests
need, plus JupyterHub (the test extra) and configurable-http-proxy (``bash .ci/hub-proxy``); in CI a missing one
FAILS, saying what to install.
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

from browser_servers import artifact_dir, report, require_browser
from browser_support import (
    Console,
    chromium,
    drag_handle,
    evidence_on_failure,
    open_and_run,
    pixels_changed,
    slider,
    snapshot,
    type_value,
    typed_box,
    wait_for_frame_after,
    wait_for_quiet,
    wait_for_widget_or_error,
)
from hub_support import jupyterhub, require_hub
from side_by_side_support import BENIGN, LR_LABEL, column, expected_theta, wait_for_readout

import regress_widgets as rw

STUDENT = "ada"
NOTEBOOK = "00_side_by_side.ipynb"
TARGET = "pytorch"  # the column whose lr the student moves (175 steps: a quick recompute)
LINK = "recipe=pytorch&lr=0.3&hide=noise"
DRAGS = (0.06, -0.06, 0.05, -0.05, 0.04)  # fractions of the lr track: right and back, staying below 2/λmax
TYPED = ("0.02", "0.05", "0.1", "0.03", "0.01")
MATH = "mjx-container, .MathJax, .katex"  # what MathJax 3, MathJax 2 or KaTeX leaves in the page
RAW_MATH = re.compile(r"\$\s*y\s*=\s*W_0\s*x_0")  # the model row of the notebook's table, untypeset


def log_in(page, hub_url: str, name: str) -> None:
    """The hub's login form, as a student fills it (DummyAuthenticator: any password)."""
    page.goto(f"{hub_url}/hub/login")
    page.locator("input[name=username]").fill(name)
    page.locator("input[name=password]").fill("any password")
    page.locator("input[type=submit], button[type=submit]").first.click()


def mathjax_url(page) -> str | None:
    """The MathJax URL Voilà's page was given (its page config): None means the MathJax it bundles."""
    return page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).fullMathjaxUrl")


def student_memory(hub) -> dict:
    """RSS (MB) of the student's single-user server, of its kernels, and of the hub and its proxy, read from /proc:
    every process the hub started carries its mark."""
    out = {"student's server RSS (MB)": 0, "student's kernels RSS (MB)": 0, "hub and proxy RSS (MB)": 0}
    for pid in hub.marked_processes():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                       if line.startswith("VmRSS:")) / 1024
        except (OSError, StopIteration):
            continue
        key = ("student's kernels RSS (MB)" if b"ipykernel" in command
               else "student's server RSS (MB)" if b"singleuser" in command
               else "hub and proxy RSS (MB)" if b"jupyterhub" in command or b"http-proxy" in command else None)
        if key:
            out[key] += round(rss)
    return out


def first_frame_ms(page, index: int, act) -> float:
    """Do ``act`` (returns the page's time it began); ms to the first new frame on canvas ``index``."""
    t0 = act()
    first = wait_for_frame_after(page, t0, index)
    wait_for_quiet(page, index, quiet_ms=400)
    return first - t0


def test_a_student_on_a_jupyterhub(tmp_path):
    exe = require_browser()
    proxy = require_hub()
    start = time.monotonic()
    shots = artifact_dir("browser")
    index = list(rw.RECIPES).index(TARGET)
    timings: dict = {}
    with jupyterhub(tmp_path / "hub", shots / "hub.log", proxy) as hub, \
            chromium(exe, tmp_path / "profile") as (_context, page), \
            evidence_on_failure(page, shots / "hub-failure.png", console := Console(page, BENIGN)):
        hub.add_student(STUDENT)
        timings["hub ready, student made (s)"] = round(time.monotonic() - start, 1)

        # 1. Log in: the snippet's default URL opens notebook 00 in JupyterLab, from the student's own copies
        log_in(page, hub.url, STUDENT)
        page.wait_for_selector(".jp-Notebook", timeout=150_000)
        lab_url = f"{hub.url}/user/{STUDENT}/lab/tree/{NOTEBOOK}"
        assert page.url.split("?")[0] == lab_url, f"after logging in the student is at {page.url}, not {lab_url}"
        assert (hub.home(STUDENT) / "regress_widgets_notebooks" / NOTEBOOK).exists(), "no copy in the student's home"
        timings["logged in, JupyterLab open (s)"] = round(time.monotonic() - start, 1)
        col = column(page, TARGET)
        lr_slider = slider(page, LR_LABEL, scope=col)
        open_and_run(page, None, until=lr_slider)  # the page login landed on
        page.wait_for_function("i => (window.__frames || []).some(f => f.n === i)", arg=index, timeout=30_000)
        wait_for_quiet(page)
        assert page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").count() == 1, \
            "the file browser is not open"
        timings["notebook ran, figures drawn (s)"] = round(time.monotonic() - start, 1)
        page.evaluate("() => document.querySelector('.widget-gridbox').scrollIntoView({block: 'start'})")
        wait_for_quiet(page, quiet_ms=300)
        page.screenshot(path=str(shots / "hub-jupyterlab.png"))

        # 2. Drags and typed values on the lr slider: a new frame each time, through the proxy
        whole = (0.0, 0.0, 1.0, 1.0)
        snapshot(page, "hub-before", index, whole)
        drags = [first_frame_ms(page, index, lambda f=f: drag_handle(page, lr_slider, f)) for f in DRAGS]
        snapshot(page, "hub-after", index, whole)
        changed = pixels_changed(page, "hub-before", "hub-after")
        assert changed > 0, "the drags did not change the PyTorch column's figure"
        typed = [first_frame_ms(page, index, lambda t=t: type_value(page, typed_box(col, "lr"), t)) for t in TYPED]
        want = expected_theta(TARGET, float(TYPED[-1]))
        assert wait_for_readout(page, col, want) == want, f"after typing {TYPED[-1]} the θ readout is not the engine's"
        timings["drag → first new frame, p50 through the proxy (ms)"] = round(statistics.median(drags))
        timings["typed → first new frame, p50 through the proxy (ms)"] = round(statistics.median(typed))
        timings["drag → first new frame, each (ms)"] = [round(ms) for ms in drags]
        timings["typed → first new frame, each (ms)"] = [round(ms) for ms in typed]
        timings["drags: figure pixels changed"] = changed
        timings.update(student_memory(hub))  # what a student costs (docs/classroom-hub.md)

        # 3. The app with a teacher's link, under the hub: settings applied, math typeset
        page.goto(f"{hub.url}/user/{STUDENT}/voila/render/{NOTEBOOK}?{LINK}")
        wait_for_widget_or_error(page, lr_slider, timeout=120)
        page.wait_for_function("i => (window.__frames || []).some(f => f.n === i)", arg=index, timeout=30_000)
        wait_for_quiet(page)
        timings["Voilà app drawn (s)"] = round(time.monotonic() - start, 1)
        assert typed_box(col, "lr").input_value() == "0.3", "the PyTorch column's lr is not the link's 0.3"
        want = expected_theta(TARGET, 0.3)
        assert wait_for_readout(page, col, want) == want, "the PyTorch column's θ readout is not the engine's at 0.3"
        for name in rw.RECIPES:
            boxes = typed_box(column(page, name), "noise")
            assert boxes.count() >= 1, f"the {name} column has no noise control at all"
            assert not any(boxes.nth(k).is_visible() for k in range(boxes.count())), f"{name} shows noise"
        from playwright.sync_api import TimeoutError as PlaywrightTimeout  # here: require_browser() checked for it

        try:
            page.locator(MATH).first.wait_for(state="attached", timeout=30_000)
        except PlaywrightTimeout:
            pass  # said below, with why
        typeset, raw = page.locator(MATH).count(), page.get_by_text(RAW_MATH).count()
        timings["Voilà: typeset formulas / raw $…$ left"] = f"{typeset} / {raw}"
        assert typeset and not raw, (
            f"the notebook's math is raw LaTeX in Voilà under the hub ({typeset} formulas typeset, {raw} left as $…$);"
            f" Voilà's MathJax URL is {mathjax_url(page)!r} (null: the MathJax 3 it bundles; a URL: fetched, which a "
            "closed network refuses). Is the hub's Spawner.cmd `regress-widgets singleuser` (docs/hub/)?")
        assert page.locator(".jp-InputArea-editor, .cm-editor").count() == 0, "the app shows code"
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(shots / "hub-voila.png"))
        page.locator(".widget-gridbox").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "hub-voila-columns.png"))
        errors = console.errors()
        for text, why in console.allowed:
            print(f"allowed console message ({why}): {text}")
    timings["whole test, hub stopped (s)"] = round(time.monotonic() - start, 1)
    report(timings, name="hub")
    assert not errors, "errors in the browser console:\n" + "\n".join(errors)


def test_ci_does_not_skip_the_hub_test(monkeypatch, tmp_path):
    """Without the proxy, CI fails saying how to install it; elsewhere the test skips, saying why."""
    import hub_support
    import pytest

    monkeypatch.setenv("REGRESS_WIDGETS_CACHE", str(tmp_path))  # no proxy in this cache
    monkeypatch.setattr(hub_support.shutil, "which", lambda name: None)  # nor on PATH
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"configurable-http-proxy .*bash \.ci/hub-proxy"):
        hub_support.require_hub()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="CI variable is unset"):
        hub_support.require_hub()
