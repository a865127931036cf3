"""A real JupyterHub for the tests: the hub, its proxy and the students' servers, on loopback, in a temporary folder.

What a teacher's hub does, without touching anything of the machine's: JupyterHub (the ``test`` extra) with
configurable-http-proxy (npm; ``.ci/hub-proxy`` installs it under ``~/.cache/regress_widgets/npm``), its own SQLite
database, cookie secret and proxy token in the folder, ``DummyAuthenticator`` (any name, any password) and
``SimpleLocalProcessSpawner`` (each student a process of this user, with a home folder of their own in the folder).
The hub loads ``tests/hub_config.py`` (this harness's settings), and that loads the teacher's snippet,
``docs/hub/jupyterhub_config.d/regress_widgets.py``, the very file docs/classroom-hub.md shows.

Students are made through the hub's REST API with a service token. Every process the hub starts carries the
variable ``REGRESS_WIDGETS_TEST_HUB`` (the folder): at the end the hub is stopped by its PID (it stops the proxy and
the students' servers, which stop their kernels), and any process still carrying the folder's mark is a stray: it is
stopped by its PID and reported.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser_servers import ROOT, SANDBOX_DIRS, Server, free_port, in_ci, root_flag, sandbox_env

SNIPPET = ROOT / "docs" / "hub" / "jupyterhub_config.d" / "regress_widgets.py"  # the teacher's file
CLASS_SNIPPET = SNIPPET.with_name("regress_widgets_class.py")  # … and the class service's
HUB_CONFIG = Path(__file__).resolve().with_name("hub_config.py")  # this harness's part: ports, folders, tokens
MARK = "REGRESS_WIDGETS_TEST_HUB"  # on every process the test hub starts: how strays are found


def proxy_cache() -> Path:
    """Where ``.ci/hub-proxy`` installs configurable-http-proxy (npm), outside the repository."""
    cache = Path(os.environ.get("REGRESS_WIDGETS_CACHE", Path.home() / ".cache" / "regress_widgets"))
    return cache / "npm" / "node_modules" / ".bin" / "configurable-http-proxy"


def require_hub() -> str:
    """configurable-http-proxy's path, once JupyterHub and the proxy are both there. What is missing FAILS the test
    in CI (the CI variable set) saying how to install it; elsewhere the test skips, saying the same."""
    missing = []
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        missing.append("JupyterHub (pip install -e \".[test]\": jupyterhub==6.1.1)")
    proxy = str(proxy_cache()) if os.access(proxy_cache(), os.X_OK) else shutil.which("configurable-http-proxy")
    if proxy is None:
        missing.append(f"configurable-http-proxy (npm) in {proxy_cache().parent.parent.parent} or on PATH "
                       "(bash .ci/hub-proxy installs it; bash .ci/test runs that)")
    if missing:
        message = "the hub test needs " + " and ".join(missing)
        if in_ci():
            pytest.fail(f"{message}. CI (the CI variable is set) must run it: install, then re-run.", pytrace=False)
        pytest.skip(f"{message}; skipped because the CI variable is unset (in CI this fails)")
    return proxy


class Hub:
    """A running hub: ``url`` (the proxy's address, where students go), its REST API, its students."""

    def __init__(self, folder: Path, server: Server, url: str, token: str):
        self.folder, self.server, self.url, self.token = folder, server, url, token

    def api(self, method: str, path: str, body: dict | None = None) -> dict | list | None:
        """Call the hub's REST API (``/hub/api/<path>``) with the harness's service token; the JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/hub/api/{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
        except urllib.error.HTTPError as err:
            raise AssertionError(f"hub API {method} {path}: {err.code} {err.read()[:500]!r}") from None
        return json.loads(text) if text else None

    def add_student(self, name: str) -> Path:
        """A student made through the REST API; their home folder (with Jupyter's folders, as browser_support's
        sandbox lays them out) is made ready before their server first starts."""
        sandbox_env(self.home(name) / "jupyter")
        if name not in {u["name"] for u in self.api("GET", "users")}:  # a teacher named in a role exists already
            self.api("POST", f"users/{name}")
        return self.home(name)

    def home(self, name: str) -> Path:
        return self.folder / "users" / name

    def marked_processes(self) -> list[int]:
        """PIDs of the processes that carry this hub's mark (the hub, its proxy, servers, kernels)."""
        mark = f"{MARK}={self.folder}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if mark in (entry / "environ").read_bytes().split(b"\0"):
                        found.append(int(entry.name))
                except OSError:  # gone, or not ours to read
                    pass
        return found

    def stop(self) -> list[str]:
        """Stop the hub by its PID (it stops the proxy and the students' servers first); then stop any process
        still marked as this hub's, by its PID. Returns a line for each such stray (none is the expectation)."""
        self.server.stop(grace=60)
        strays = []
        deadline = time.monotonic() + 10
        while (left := self.marked_processes()) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in left:
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                os.kill(pid, signal.SIGKILL)
                strays.append(f"{pid}: {command[:200]}")
            except (OSError, ProcessLookupError):
                pass
        return strays


@contextmanager
def jupyterhub(folder: Path, log: Path, proxy: str, snippets=(SNIPPET,), env: dict | None = None):
    """A hub on 127.0.0.1 (free ports) whose every file lies in ``folder`` (started again on the same folder: the
    same hub, its students and files kept); yields a :class:`Hub`, stopped at the end. ``snippets``: the teacher's
    config files it loads; ``env``: more environment for the hub. Fails, with the hub's log, when a process it
    started is still running after it stopped."""
    folder.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(32)
    settings = {
        "folder": str(folder), "port": port, "hub_port": free_port(), "proxy_api_port": free_port(),
        "proxy": proxy, "proxy_token": secrets.token_hex(32), "service_token": token,
        "snippets": [str(s) for s in snippets],
        "mark": MARK, "single_user_args": root_flag(),
        "jupyter_dirs": {var: f"jupyter/{sub}" for var, sub in SANDBOX_DIRS.items()},
    }
    (folder / "settings.json").write_text(json.dumps(settings, indent=1))
    env = sandbox_env(folder / "hub") | (env or {})
    env[MARK] = str(folder)
    env["REGRESS_WIDGETS_TEST_HUB_SETTINGS"] = str(folder / "settings.json")
    argv = [sys.executable, "-m", "jupyterhub", "-f", str(HUB_CONFIG)]
    url = f"http://127.0.0.1:{port}"
    server = Server(argv, url=url, probe=f"{url}/hub/health", env=env, log=log, cwd=folder)
    hub = Hub(folder, server, url, token)
    strays: list[str] = []
    try:
        server.wait_ready(timeout=90)
        yield hub
    finally:
        strays = hub.stop()
    assert not strays, "processes the hub started were still running after it stopped (killed now):\n" + "\n".join(
        strays) + f"\nhub log: {log}"
