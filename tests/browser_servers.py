"""The browser tests' servers and files: find Chromium and playwright, run a Jupyter server in a sandbox, copy the
notebooks, keep the artifacts (screenshots, timings).

Everything here touches nothing of the user's: the servers get their config, data, runtime, settings,
workspace, IPython and matplotlib folders inside a temporary folder, listen on 127.0.0.1 only, and are
stopped by their PID (terminate, wait, kill).
"""

from __future__ import annotations

import json
import os
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
def notebooks_copy(tmp_path: Path) -> Path:
    """A copy of the repository's notebooks to serve (the server may autosave: never the originals)."""
    root = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


def artifact_dir(name: str) -> Path:
    folder = ARTIFACTS / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder



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
