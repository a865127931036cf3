"""The hub files docs/classroom-hub.md shows are the ones that work: ``docs/hub/jupyterhub_config.d/regress_widgets.py``
(The Littlest JupyterHub; tests/test_browser_hub.py loads it into a real hub) and ``docs/hub/values.yaml`` (Zero to
JupyterHub), which says the same as the snippet and holds what the document promises: a single-user image built by
repo2docker from this repository (binder/ its environment, the repository outside the home folder), notebook 00 as the
first page, and a memory guarantee and limit. repo2docker runs with ``--no-build --no-run`` (no Docker needed).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
HUB = ROOT / "docs" / "hub"
SNIPPET = HUB / "jupyterhub_config.d" / "regress_widgets.py"
CLASS_SNIPPET = SNIPPET.with_name("regress_widgets_class.py")
VALUES = HUB / "values.yaml"
DOC = ROOT / "docs" / "classroom-hub.md"


def snippet_config() -> Config:
    """What the snippet sets, run as JupyterHub runs a config file (``c = get_config()``)."""
    config = Config()
    exec(compile(SNIPPET.read_text(), str(SNIPPET), "exec"), {"get_config": lambda: config})
    return config


def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


def test_the_snippet_starts_students_on_notebook_00_with_their_own_copies():
    config = snippet_config()
    assert list(config.Spawner.cmd) == ["regress-widgets", "singleuser"]
    assert config.Spawner.default_url == "/lab/tree/00_side_by_side.ipynb"
    assert (ROOT / "notebooks" / "00_side_by_side.ipynb").exists()


def test_values_yaml_says_what_the_snippet_says():
    singleuser, config = values()["singleuser"], snippet_config()
    assert singleuser["cmd"] == list(config.Spawner.cmd)
    assert singleuser["defaultUrl"] == config.Spawner.default_url


def test_values_yaml_has_a_memory_guarantee_and_limit():
    memory = values()["singleuser"]["memory"]
    for key in ("guarantee", "limit"):
        value = str(memory.get(key, ""))
        assert value, f"singleuser.memory.{key} is missing"
        # a Kubernetes quantity (600M, 1G, 1.5Gi), as measured (docs/classroom-hub.md)
        assert re.fullmatch(r"\d+(\.\d+)?([KMGT]i?)?", value), value


def test_the_image_is_built_by_repo2docker_from_this_repository():
    """The build command written on the pods is one repo2docker accepts for this repository: it reads binder/ and
    puts the repository outside the home folder (the student's volume hides the home)."""
    singleuser = values()["singleuser"]
    built_by = shlex.split(singleuser["extraAnnotations"]["regress-widgets/image-built-by"])
    assert Path(built_by[0]).name == "jupyter-repo2docker"
    assert "--target-repo-dir" in built_by and not built_by[built_by.index("--target-repo-dir") + 1].startswith(
        "/home"), "the repository must lie outside /home (Zero to JupyterHub mounts the student's volume there)"
    assert singleuser["image"]["name"] and "tag" in singleuser["image"]
    exe = shutil.which("jupyter-repo2docker", path=str(Path(sys.executable).parent)) or "jupyter-repo2docker"
    flags = [a for a in built_by[1:] if a != "--no-run"]
    done = subprocess.run([exe, *flags, "--no-build", "--no-run", "--debug", str(ROOT)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    dockerfile = done.stdout + done.stderr
    assert "ARG REPO_DIR" in dockerfile  # --target-repo-dir is given to docker build as REPO_DIR
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile  # binder/ is its environment
    assert "./binder/postBuild" in dockerfile  # which installs the package: `regress-widgets singleuser` exists


def test_the_document_shows_these_very_files():
    """By name and as they are, character for character: what a teacher copies is what the tests ran."""
    doc = DOC.read_text()
    for path in (SNIPPET, CLASS_SNIPPET, VALUES):
        assert str(path.relative_to(ROOT)) in doc, f"docs/classroom-hub.md does not name {path.relative_to(ROOT)}"
        assert path.read_text() in doc, f"docs/classroom-hub.md shows another {path.name} than {path.relative_to(ROOT)}"


def test_values_yaml_turns_the_class_service_on_as_the_snippet_does(monkeypatch, tmp_path):
    """hub.extraConfig runs configure() as the class snippet does, with the address the students' pods reach."""
    monkeypatch.chdir(tmp_path)  # where the hub runs
    extra = values()["hub"]["extraConfig"]["regress-widgets-class"]
    config = Config()
    exec(compile(extra, "hub.extraConfig", "exec"), {"c": config})
    (service,) = config.JupyterHub.services.get_value([])
    assert service["name"] == "regress-widgets" and "class-service" in service["command"]
    assert config.Spawner.environment.get_value({})["REGRESS_WIDGETS_CLASS_URL"] == \
        "http://proxy-public/services/regress-widgets/"
    assert "configure(c, teachers=" in CLASS_SNIPPET.read_text() and "configure(c, teachers=" in extra
