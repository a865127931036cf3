"""Binder: ``binder/`` holds everything a Binder link builds, repo2docker accepts it, and it is the same
environment as the package's (one compatible set: mismatched widget versions give "model not found").

repo2docker is run with ``--no-build --no-run``: it reads ``binder/`` and writes the Dockerfile it would
build, which needs no Docker; the image itself is built only on Binder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pins(lines) -> dict[str, str]:
    return {_name(line): line.split("==", 1)[1].strip() for line in lines if "==" in line}


def test_binder_pins_every_dependency_at_the_packages_versions():
    dependencies = [r for r in requires("regress_widgets") if "extra ==" not in r]  # pyproject's, as installed
    lines = [line.split("#")[0].strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    binder = _pins([line for line in lines if line])
    assert all("==" in line for line in lines if line), "binder/requirements.txt pins every package"
    for requirement in dependencies:
        assert _name(requirement) in binder, f"{requirement} is missing from binder/requirements.txt"
    for name, version in _pins(dependencies).items():
        assert binder[name] == version, (name, binder[name], version)
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    assert "graphviz" in (BINDER / "apt.txt").read_text().split()  # dot, for notebook 01's Caffe2 graphs
    assert "fonts-noto-cjk" in (BINDER / "apt.txt").read_text().split()  # the Chinese figures (zh-Hans, zh-Hant)
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK) and "pip install --no-deps -e ." in post_build.read_text()


def test_repo2docker_accepts_the_binder_folder():
    exe = shutil.which("jupyter-repo2docker", path=str(Path(sys.executable).parent)) or "jupyter-repo2docker"
    done = subprocess.run([exe, "--no-build", "--no-run", "--debug", str(ROOT)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    dockerfile = done.stdout + done.stderr
    assert "python=3.11" in dockerfile or "python-3.11" in dockerfile
    assert re.search(r"apt-get install --yes --no-install-recommends fonts-noto-cjk graphviz", dockerfile)  # sorted
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile
    assert "./binder/postBuild" in dockerfile
