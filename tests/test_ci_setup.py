"""``.ci/system-packages`` (part 3 of the one test command, ``bash .ci/test``): Debian's chromium and graphviz are
installed when missing, as root or with sudo; otherwise it stops with one line saying the command to run.

The script runs for real with a PATH that holds no chromium, dot, sudo or apt-get (only ``id``), as this user,
and, when the tests run as root (CI), also as ``nobody``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "system-packages"
AS_ROOT = os.geteuid() == 0


def _run(path: Path, *, as_nobody: bool = False):
    argv = ["/bin/bash", str(SCRIPT)]
    if as_nobody:
        argv = [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
    return subprocess.run(argv, env={"PATH": str(path)}, capture_output=True, text=True, timeout=60, cwd="/")


@pytest.fixture
def bare_path():
    """A PATH folder holding only ``id``, readable by ``nobody`` (pytest's tmp_path is private to this user)."""
    bare = Path(tempfile.mkdtemp(prefix="rw-bare-path-"))
    bare.chmod(0o755)
    (bare / "id").symlink_to(shutil.which("id"))
    yield bare
    shutil.rmtree(bare)


def test_without_root_or_sudo_it_says_the_one_command_to_run(bare_path):
    done = _run(bare_path, as_nobody=AS_ROOT)
    assert done.returncode == 1
    assert done.stderr == (".ci/test: error: chromium graphviz not installed and this is not root: run "
                           "`sudo apt-get install -y chromium graphviz` (Debian), then rerun\n")


def test_without_apt_get_it_says_so(bare_path):
    done = _run(bare_path)
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert ("there is no apt-get" if AS_ROOT else "this is not root") in done.stderr


def test_with_both_installed_it_installs_nothing(bare_path):
    bare = bare_path
    for tool in ("chromium", "dot"):
        found = shutil.which(tool)
        assert found, f"{tool} is missing: bash .ci/test installs it (apt-get install chromium graphviz)"
        (bare / tool).symlink_to(found)
    done = _run(bare)
    assert done.returncode == 0 and done.stdout == "chromium and graphviz are installed\n" and not done.stderr
