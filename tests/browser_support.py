"""Helpers for the browser tests: find Chromium and playwright, run a Jupyter server in a sandbox, drive widgets.

Everything here touches nothing of the user's: the servers get their config, data, runtime, settings,
workspace, IPython and matplotlib folders inside a temporary folder, listen on 127.0.0.1 only, and are
stopped by their PID (terminate, wait, kill).
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 800}  # a classroom projector
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Quiet on a closed network: nothing phones home, nothing waits for a GPU (DESIGN §5).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


# --------------------------------------------------------------------------------- is there a browser?
def in_ci() -> bool:
    """CI sets the CI variable (GitHub, GitLab, .ci/run); there a missing browser is a failure."""
    return "CI" in os.environ


def require_browser() -> str:
    """The Chromium executable. Missing Chromium or playwright FAILS in CI; elsewhere it skips, saying why."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright (pip install -e \".[test]\")")
    exe = next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)
    if exe is None:
        missing.append("Chromium on PATH (Debian/Ubuntu: apt-get install -y chromium; "
                       "do not use `playwright install`, it downloads its own browser)")
    if missing:
        message = "the browser tests need " + " and ".join(missing)
        if in_ci():
            pytest.fail(f"{message}. CI (the CI variable is set) must run them: install, then re-run.",
                        pytrace=False)
        pytest.skip(f"{message}; skipped because the CI variable is unset (in CI this fails)")
    return exe


def require_module(name: str, install: str) -> None:
    """Like :func:`require_browser`, for a Python package the server needs (jupyterlab, voila)."""
    try:
        __import__(name)
    except ImportError:
        message = f"this browser test needs {name}: {install}"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(f"{message}; skipped because the CI variable is unset (in CI this fails)")


# --------------------------------------------------------------------------------- a sandboxed server
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SANDBOX_DIRS = {
    "JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
    "JUPYTERLAB_SETTINGS_DIR": "settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
    "IPYTHONDIR": "ipython", "MPLCONFIGDIR": "matplotlib",
}


def sandbox_env(home: Path) -> dict[str, str]:
    """The environment for a server (and its kernels) whose every Jupyter folder lies under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON")) and k != "MPLBACKEND"}
    for var, sub in SANDBOX_DIRS.items():
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no debugger warning on the kernel's stderr
    # JupyterLab 4.6 pops up "news" and update checks: off (they would also try the network).
    notification = home / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True, exist_ok=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # Start the notebook's own kernel (python3) without the "Select Kernel" dialog, which JupyterLab shows
    # now and then when the notebook opens before the kernel specs have loaded; and attach every cell to
    # the page (windowing "none"), so that the test can read every cell's prompt and output, also those
    # scrolled out of view. The widgets render the same either way.
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text(json.dumps({"autoStartDefaultKernel": True, "windowingMode": "none"}))
    return env


class Server:
    """A server process started in its own session, logged to a file, stopped by PID."""

    def __init__(self, argv: list[str], *, url: str, probe: str | None, env: dict, log: Path,
                 cwd: Path | None = None):
        self.argv, self.url, self.probe, self.log_path = argv, url, probe, log
        self._log = open(log, "wb")  # noqa: SIM115 — closed in stop()
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.proc.pid

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def wait_ready(self, timeout: float = 45.0) -> float:
        """Poll ``probe`` until it answers 200 (no probe: until ``url``'s port accepts a connection); seconds
        taken. Fails with the server's log otherwise."""
        start = time.monotonic()
        host, port = urllib.parse.urlsplit(self.url).hostname, urllib.parse.urlsplit(self.url).port
        while time.monotonic() - start < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with code {self.proc.returncode}:\n{self.log_tail()}")
            if self.probe is None:  # a Voilà page load would start a kernel: only knock on the port
                try:
                    socket.create_connection((host, port), timeout=1).close()
                    return time.monotonic() - start
                except OSError:
                    time.sleep(0.1)
                    continue
            try:
                with urllib.request.urlopen(self.probe, timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, grace: float = 10.0) -> int:
        """SIGTERM by PID, wait ``grace`` seconds, then SIGKILL. Jupyter servers shut their kernels down
        on SIGTERM; anything left in the server's process group (a stuck kernel) is killed by its group id."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        try:  # the group is the server's own session (start_new_session): only what it started
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()
        return self.proc.returncode


def root_flag() -> list[str]:
    """Jupyter refuses to run as root (containers, CI images) unless told."""
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


@contextmanager
def jupyterlab(root_dir: Path, home: Path, log: Path):
    """JupyterLab on 127.0.0.1, a free port and a random token; yields (server, base url, token)."""
    port, token = free_port(), secrets.token_hex(16)
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root_dir}", "--ServerApp.terminals_enabled=False",
            "--LanguageServerManager.autodetect=False", *root_flag()]
    base = f"http://127.0.0.1:{port}"
    server = Server(argv, url=base, probe=f"{base}/api/status?token={token}", env=sandbox_env(home), log=log,
                    cwd=root_dir)
    try:
        server.wait_ready()
        yield server, base, token
    finally:
        server.stop()


# --------------------------------------------------------------------------------- the browser
# Records every frame painted onto a visible figure canvas: the Lab's screen (canvas.rw-screen-canvas) or
# ipympl's (the first <canvas> of its canvas div; the second is the rubber-band overlay):
# window.__frames = [{t: performance.now(), n: canvas index among CANVAS}]. The drawImage calls on one canvas
# in one task are one frame (the screen paints a frame's parts, one drawImage each, together).
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


def notebooks_copy(tmp_path: Path) -> Path:
    """A copy of the repository's notebooks to serve (the server may autosave: never the originals)."""
    root = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


def artifact_dir(name: str) -> Path:
    folder = ARTIFACTS / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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


def report(timings: dict, overflow: dict | None = None, layout: list[str] = (), name: str = "") -> None:
    record = ARTIFACTS / "browser" / "timings.json"
    try:
        saved = json.loads(record.read_text())
    except (OSError, ValueError):
        saved = {}
    saved[name] = {**timings, "layout": list(layout), "overflow": overflow}
    record.write_text(json.dumps(saved, indent=1, ensure_ascii=False) + "\n")
    print()
    for line in layout:
        print(f"  {line}")
    for key, value in timings.items():
        print(f"  {key}: {value}")
    if overflow:
        print(f"  layout at 1280×800: {overflow}")
        if overflow["scrollWidth"] > overflow["clientWidth"] or overflow["widestRight"] > overflow["viewport"]:
            print("  NOTE: the side-by-side view is wider than the room it has on a 1280 px projector "
                  "(clipped, or scrolled sideways)")
