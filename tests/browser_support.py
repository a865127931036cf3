"""The browser tests' page helpers: start Chromium, watch the console and the frames painted, drag and type
into widgets, run a notebook's cells. The servers and files they drive are in :mod:`browser_servers`.
"""

from __future__ import annotations

import json
import math
import re
import time
from contextlib import contextmanager
from pathlib import Path

from browser_servers import CHROMIUM_FLAGS, VIEWPORT

FRAME_HOOK = """
(() => {
  window.__frames = [];
  const selector = '.jupyter-matplotlib-canvas-div > canvas:first-child, canvas.rw-screen-canvas';
  const draw = CanvasRenderingContext2D.prototype.drawImage;
  const marked = new Set();
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    const result = draw.apply(this, args);
    const canvas = this.canvas;
    if (canvas && canvas.isConnected && canvas.matches(selector) && !marked.has(canvas)) {
      marked.add(canvas);
      queueMicrotask(() => marked.delete(canvas));
      const all = Array.from(document.querySelectorAll(selector));
      window.__frames.push({t: performance.now(), n: all.indexOf(canvas)});
    }
    return result;
  };
})();
"""


@contextmanager
def chromium(executable: str, profile: Path):
    """A headless Chromium (persistent profile in ``profile``) with a 1280×800 page; yields (context, page)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS, viewport=VIEWPORT,
            device_scale_factor=1)
        try:
            context.add_init_script(FRAME_HOOK)
            page = context.pages[0] if context.pages else context.new_page()
            yield context, page
        finally:
            context.close()


class Console:
    """Collects console messages of type error and uncaught page errors.

    ``benign`` holds (regex, why) pairs: only messages that are truly harmless, each with its reason.
    """

    def __init__(self, page, benign: list[tuple[str, str]] = ()):
        self.benign = [(re.compile(pattern), why) for pattern, why in benign]
        self.messages: list[str] = []
        self.allowed: list[tuple[str, str]] = []
        self.log: list[str] = []  # every message, of any type: written out when a test fails
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self._add(f"page error: {error}"))

    def _on_console(self, message) -> None:
        self.log.append(f"{message.type}: {message.text}")
        if message.type == "error":
            location = message.location or {}
            where = location.get("url", "")
            self._add(f"console.error: {message.text}" + (f" ({where})" if where else ""))

    def save(self, path: Path) -> None:
        path.write_text("\n".join(self.log + self.messages) + "\n")

    def _add(self, text: str) -> None:
        self.log.append(text)
        for pattern, why in self.benign:
            if pattern.search(text):
                self.allowed.append((text, why))
                return
        self.messages.append(text)

    def errors(self) -> list[str]:
        return list(self.messages)


# --------------------------------------------------------------------------------- widgets in the page
CANVAS = ".jupyter-matplotlib-canvas-div > canvas:first-child, canvas.rw-screen-canvas"

SNAPSHOT_JS = """
([index, rect, key]) => {
  const canvas = document.querySelectorAll(arguments_selector)[index];
  const [fx, fy, fw, fh] = rect;
  const x = Math.round(fx * canvas.width), y = Math.round(fy * canvas.height);
  const w = Math.max(1, Math.round(fw * canvas.width)), h = Math.max(1, Math.round(fh * canvas.height));
  const data = canvas.getContext('2d').getImageData(x, y, w, h).data;
  let hash = 2166136261 >>> 0, ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    const v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    hash = Math.imul(hash ^ v, 16777619) >>> 0;
    if (v !== 0xffffff) ink++;
  }
  window.__snapshots = window.__snapshots || {};
  window.__snapshots[key] = data;
  return {hash: hash.toString(16), ink: ink, pixels: w * h, width: canvas.width, height: canvas.height};
}
""".replace("arguments_selector", json.dumps(CANVAS))

DIFF_JS = """
([a, b]) => {
  const x = window.__snapshots[a], y = window.__snapshots[b];
  if (x.length !== y.length) return -1;
  let n = 0;
  for (let i = 0; i < x.length; i += 4) {
    if (x[i] !== y[i] || x[i + 1] !== y[i + 1] || x[i + 2] !== y[i + 2]) n++;
  }
  return n;
}
"""


def snapshot(page, key: str, index: int = 0, rect=(0.0, 0.0, 1.0, 1.0)) -> dict:
    """Hash the pixels of figure canvas ``index`` inside ``rect`` (fractions x, y, w, h from the top left)."""
    return page.evaluate(SNAPSHOT_JS, [index, list(rect), key])


def pixels_changed(page, a: str, b: str) -> int:
    """How many pixels differ between two snapshots of the same region."""
    return page.evaluate(DIFF_JS, [a, b])


def frames(page) -> list[dict]:
    return page.evaluate("window.__frames")


def now(page) -> float:
    return page.evaluate("performance.now()")


def wait_for_frame_after(page, t0: float, index: int | None = None, timeout: float = 20.0) -> float:
    """performance.now() of the first frame painted after ``t0`` (on canvas ``index`` when given)."""
    n = "true" if index is None else f"f.n === {int(index)}"
    handle = page.wait_for_function(
        f"(t0) => (window.__frames || []).find(f => f.t > t0 && {n})", arg=t0, timeout=timeout * 1000)
    return handle.json_value()["t"]


def wait_for_quiet(page, index: int | None = None, quiet_ms: float = 600, timeout: float = 20.0) -> float:
    """Wait until no new frame has been painted for ``quiet_ms``; the time of the last frame."""
    n = "true" if index is None else f"f.n === {int(index)}"
    handle = page.wait_for_function(
        f"""([quiet]) => {{
              const fs = (window.__frames || []).filter(f => {n});
              const last = fs.length ? fs[fs.length - 1].t : 0;
              return performance.now() - last > quiet ? {{last: last}} : false;
           }}""", arg=[quiet_ms], timeout=timeout * 1000, polling=100)
    return handle.json_value()["last"]


def slider(page, label: str | re.Pattern, scope=None):
    """The ipywidgets slider whose description is ``label`` (exact text, or a regex)."""
    scope = scope or page
    pattern = label if isinstance(label, re.Pattern) else re.compile(rf"^\s*{re.escape(label)}\s*$")
    return scope.locator(".widget-slider").filter(has=page.locator(".widget-label", has_text=pattern))


def slider_position(slider_locator) -> float:
    """The noUiSlider's value, as ipywidgets reads it (for a FloatLogSlider: the exponent). Not the
    handle's aria-valuenow, which noUiSlider rounds to one decimal."""
    return float(slider_locator.locator(".noUi-target").evaluate("el => Number(el.noUiSlider.get())"))


def slider_step(slider_locator) -> float:
    return float(slider_locator.locator(".noUi-target").evaluate("el => el.noUiSlider.options.step"))


def drag_handle(page, slider_locator, fraction: float, steps: int = 8) -> float:
    """Drag the slider's handle by ``fraction`` of its track's width, like a student (press, move in
    ``steps``, release); performance.now() of the first move with the button down, as the page saw it (the
    issue's definition of a drag's start: playwright's own time to send the press is not the student's)."""
    handle = slider_locator.locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    track = slider_locator.locator(".noUi-target").bounding_box()
    dx = fraction * track["width"]
    dx = math.copysign(max(abs(dx), 2.0), dx)  # a collapsed track still gets a (tiny) drag
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.evaluate("""() => {  // the page's own time of the first move with the button down
        window.__firstMove = null;
        const seen = (e) => {
            if (e.buttons && window.__firstMove === null) {
                window.__firstMove = performance.now();
                document.removeEventListener('pointermove', seen, true);
            }
        };
        document.addEventListener('pointermove', seen, true);
    }""")
    t0 = now(page)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=steps)
    page.mouse.up()
    first_move = page.evaluate("window.__firstMove")
    return t0 if first_move is None else first_move


def watch_readout(slider_locator) -> None:
    """Record (window.__readoutChanged) when the slider's handle first moves from now on: the moment the
    browser has a new value to send to the kernel."""
    slider_locator.locator(".noUi-handle").evaluate("""el => {
        window.__readoutChanged = null;
        const observer = new MutationObserver(() => {
            if (window.__readoutChanged === null) window.__readoutChanged = performance.now();
            observer.disconnect();
        });
        observer.observe(el, {attributes: true, attributeFilter: ['aria-valuenow', 'aria-valuetext']});
    }""")


def readout_changed_at(page) -> float | None:
    return page.evaluate("window.__readoutChanged")


def typed_box(scope, name: str):
    """The box beside a Lab's slider where a setting's value is typed (CSS class ``rw-typed-<name>``)."""
    return scope.locator(f".rw-typed-{name} input")


def type_value(page, box_locator, text: str) -> float:
    """Type ``text`` into a Lab's typed box and press Enter, as a student; performance.now() at Enter."""
    box_locator.scroll_into_view_if_needed()
    box_locator.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    t0 = now(page)
    page.keyboard.press("Enter")
    return t0


def parse_number(text: str) -> float:
    """A readout's number: ipywidgets writes the Unicode minus (−)."""
    return float(text.strip().replace("\u2212", "-"))


@contextmanager
def evidence_on_failure(page, path: Path, console: Console | None = None):
    """On any failure inside, save a screenshot to ``path`` (and the console's messages beside it) and add
    the page's visible error outputs (tracebacks, "Error displaying widget") to the failure."""
    try:
        yield
    except BaseException as error:
        notes = []
        try:
            if console is not None:
                console.save(path.with_suffix(".console.txt"))
                notes.append(f"browser console: {path.with_suffix('.console.txt')}")
            page.screenshot(path=str(path))
            notes.append(f"screenshot: {path}")
            texts = page.locator("[data-mime-type='application/vnd.jupyter.stderr'], .jp-RenderedText[data-mime-type"
                                 "='application/vnd.jupyter.stderr'], .voila-error, .widget-error").all_inner_texts()
            notes += [f"page shows: {t[-1500:]}" for t in texts]
        except Exception as inner:  # the page may be gone; the original failure matters
            notes.append(f"(no evidence: {inner})")
        if hasattr(error, "add_note"):
            for note in notes:
                error.add_note(note)
        raise



# --------------------------------------------------------------------------------- notebooks and reports
STDERR = "[data-mime-type='application/vnd.jupyter.stderr']"  # a traceback or a warning in a cell's output


def wait_for_widget_or_error(page, widget, timeout: float = 60.0) -> None:
    """Wait for ``widget`` to be visible; fail at once, with the text, when a cell shows an error instead."""
    widget.or_(page.locator(STDERR)).first.wait_for(state="visible", timeout=timeout * 1000)
    shown = page.locator(STDERR).all_inner_texts()
    assert not shown, "a cell wrote to stderr or raised:\n" + "\n".join(t[-2000:] for t in shown)


def run_all_cells(page, until, attempts: int = 3, each: float = 30.0) -> None:
    """Run > Run All Cells once the kernel is idle, and wait for ``until`` (a widget) or a cell's error.

    Now and then JupyterLab drops a Run All that lands while the notebook's session is still settling
    (every prompt goes back to "[ ]", nothing runs, the kernel stays idle): then it is asked again."""
    for attempt in range(attempts):
        kernel_dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
        if kernel_dialog.count():  # the notebook's own kernel, python3, is preselected
            kernel_dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=30_000)
        page.get_by_text(re.compile(r"\|\s*Idle\s*$")).first.wait_for(timeout=30_000)  # the status bar
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
        try:
            wait_for_widget_or_error(page, until, timeout=each)
            return
        except AssertionError:
            raise
        except Exception:
            running = page.locator(".jp-CodeCell .jp-InputPrompt", has_text="[*]").count()
            if attempt == attempts - 1 or running:
                raise
            print(f"Run All Cells ran nothing (attempt {attempt + 1}); asking again")


def open_and_run(page, url: str | None, until) -> None:
    """Open the notebook at ``url`` (None: it is open already, as where a hub's login landed), run all its cells and
    wait until ``until`` (a widget's locator) shows, the first figure has painted a frame, every cell has run, and the
    first figure has been quiet for a moment."""
    if url is not None:
        page.goto(url)
    page.wait_for_selector(".jp-Notebook", timeout=30_000)
    run_all_cells(page, until=until)
    page.wait_for_function("() => (window.__frames || []).some(f => f.n === 0)", timeout=30_000)
    deadline = time.monotonic() + 60
    while not all_cells_ran(page) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    wait_for_quiet(page, 0)


def all_cells_ran(page) -> bool:
    return page.evaluate("""() => {
        const prompts = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'));
        return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent))
            && !!document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']");
    }""")
