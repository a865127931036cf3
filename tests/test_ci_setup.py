"""``.ci/system-packages`` (part 3 of the one test command, ``bash .ci/test``): Debian's chromium, graphviz,
fonts-noto-cjk, npm and postgresql are installed when missing, as root or with sudo; otherwise it stops with one line
saying the command to run. The font is looked for as its file (``CJK_FONT_FILE`` names a file that is not there: the
font is missing), PostgreSQL's pg_ctl where Debian puts it (``PG_CTL_GLOB`` names a place with none).

The script runs for real with a PATH that holds no chromium, dot, npm, sudo or apt-get (only ``id``), as this user,
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


CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
NO_FONT = {"CJK_FONT_FILE": "/nonexistent/NotoSansCJK-Regular.ttc"}
NO_POSTGRES = {"PG_CTL_GLOB": "/nonexistent/pg_ctl"}


def _run(path: Path, *, as_nobody: bool = False, env: dict | None = None):
    argv = ["/bin/bash", str(SCRIPT)]
    if as_nobody:
        argv = [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
    return subprocess.run(argv, env={"PATH": str(path), **(env or {})}, capture_output=True, text=True, timeout=60,
                          cwd="/")


@pytest.fixture
def bare_path():
    """A PATH folder holding only ``id``, readable by ``nobody`` (pytest's tmp_path is private to this user)."""
    bare = Path(tempfile.mkdtemp(prefix="rw-bare-path-"))
    bare.chmod(0o755)
    (bare / "id").symlink_to(shutil.which("id"))
    yield bare
    shutil.rmtree(bare)


def test_without_root_or_sudo_it_says_the_one_command_to_run(bare_path):
    done = _run(bare_path, as_nobody=AS_ROOT, env={**NO_FONT, **NO_POSTGRES})
    assert done.returncode == 1
    assert done.stderr == (".ci/test: error: chromium graphviz fonts-noto-cjk npm postgresql not installed and this is "
                           "not root: run `sudo apt-get install -y chromium graphviz fonts-noto-cjk npm postgresql` "
                           "(Debian), then rerun\n")


def test_without_apt_get_it_says_so(bare_path):
    done = _run(bare_path, env=NO_FONT)
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert ("there is no apt-get" if AS_ROOT else "this is not root") in done.stderr


def test_with_all_installed_it_installs_nothing(bare_path):
    bare = bare_path
    for tool in ("chromium", "dot", "npm"):
        found = shutil.which(tool)
        assert found, f"{tool} is missing: bash .ci/test installs it (apt-get install chromium graphviz npm)"
        (bare / tool).symlink_to(found)
    assert Path(CJK_FONT).exists(), "fonts-noto-cjk is missing: bash .ci/test installs it (apt-get install it)"
    assert shutil.which("pg_ctl") or list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")), \
        "postgresql is missing: bash .ci/test installs it (apt-get install postgresql)"
    done = _run(bare)
    assert done.returncode == 0 and not done.stderr
    assert done.stdout == "chromium, graphviz, fonts-noto-cjk, npm and postgresql are installed\n"


def test_a_missing_font_alone_is_installed_by_name(bare_path):
    bare = bare_path
    for tool in ("chromium", "dot", "npm"):
        (bare / tool).symlink_to(shutil.which(tool))
    done = _run(bare, as_nobody=AS_ROOT, env=NO_FONT)
    assert done.returncode == 1 and "`sudo apt-get install -y fonts-noto-cjk`" in done.stderr


def test_a_missing_postgresql_alone_is_installed_by_name(bare_path):
    bare = bare_path
    for tool in ("chromium", "dot", "npm"):
        (bare / tool).symlink_to(shutil.which(tool))
    done = _run(bare, as_nobody=AS_ROOT, env=NO_POSTGRES)
    assert done.returncode == 1 and "`sudo apt-get install -y postgresql`" in done.stderr
