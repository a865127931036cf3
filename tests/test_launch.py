"""`regress-widgets lab` and `regress-widgets app`: the commands they build, and the working folder.

Starting the servers in a browser is tests/test_browser.py; these run in milliseconds without one.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from regress_widgets import cli, launch

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOK = "00_side_by_side.ipynb"


def test_lab_command_opens_the_side_by_side_notebook(tmp_path):
    folder = tmp_path / "work"
    command = launch.lab_command(folder, ["--port=9999"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={folder}" in command
    assert "--port=9999" in command
    assert command[-1] == str(folder / NOTEBOOK)
    assert ("--allow-root" in command) == (os.geteuid() == 0)  # JupyterLab refuses root without it


def test_lab_works_on_copies_when_the_notebooks_are_read_only(tmp_path, monkeypatch):
    source = tmp_path / "site-packages" / "notebooks"
    shutil.copytree(NOTEBOOKS, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    source.chmod(0o555)
    real_access = launch.os.access
    if real_access(source, launch.os.W_OK):  # root writes anywhere: make the folder read-only for launch
        def access(path, mode, **kw):
            if Path(path) == source and mode & launch.os.W_OK:
                return False
            return real_access(path, mode, **kw)

        monkeypatch.setattr(launch.os, "access", access)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(launch, "bundled_notebooks", lambda: source)
    calls = []
    monkeypatch.setattr(launch.subprocess, "call", lambda argv: calls.append(argv) or 0)
    try:
        assert cli.main(["lab", "--port=9999"]) == 0
        work = home / "regress_widgets_notebooks"
        assert sorted(p.name for p in work.glob("*.ipynb")) == sorted(p.name for p in source.glob("*.ipynb"))
        assert calls == [launch.lab_command(work, ["--port=9999"])]
        # a student's edits survive the next start
        (work / NOTEBOOK).write_text("{}")
        assert cli.main(["lab"]) == 0
        assert (work / NOTEBOOK).read_text() == "{}"
        # a writable source is used in place; --folder asks for copies there
        assert launch.working_folder(NOTEBOOKS) == NOTEBOOKS
        assert cli.main(["lab", "--folder", str(tmp_path / "mine")]) == 0
        assert calls[-1][-1] == str(tmp_path / "mine" / NOTEBOOK)
        assert (tmp_path / "mine" / NOTEBOOK).is_file()
    finally:
        source.chmod(0o755)


def test_app_serves_the_side_by_side_notebook_on_loopback_without_code(monkeypatch, capsys):
    from voila.app import Voila

    argv = launch.app_argv(NOTEBOOKS / NOTEBOOK, ["--port=9998"])
    assert argv[0] == str(NOTEBOOKS / NOTEBOOK)
    assert "--Voila.ip=127.0.0.1" in argv
    assert "--VoilaConfiguration.strip_sources=True" in argv
    assert argv[-1] == "--port=9998"

    calls = []
    monkeypatch.setattr(Voila, "launch_instance", classmethod(lambda cls, argv: calls.append(argv)))
    assert cli.main(["app", "--port=9998", "--no-browser"]) == 0  # Voilà's own options pass through
    assert calls == [launch.app_argv(launch.bundled_notebooks() / NOTEBOOK, ["--port=9998", "--no-browser"])]
    assert cli.main(["app", "--notebook", "03_pytorch_linear_regression.ipynb"]) == 0
    assert calls[-1][0].endswith("03_pytorch_linear_regression.ipynb")

    capsys.readouterr()
    assert cli.main(["app", "--notebook", "nope.ipynb"]) == 2
    err = capsys.readouterr().err
    assert "--notebook" in err and NOTEBOOK in err and len(err.strip().splitlines()) == 1
    assert len(calls) == 2
