"""`regress-widgets lab` and `regress-widgets app`: the commands they build, and the working folder.

Starting the servers in a browser is tests/test_browser.py; these run in milliseconds without one.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

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
    monkeypatch.setattr(launch, "run_server", lambda argv: calls.append(argv) or 0)
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


def _voila_calls(monkeypatch):
    from voila.app import Voila

    calls = []
    monkeypatch.setattr(Voila, "launch_instance", classmethod(lambda cls, argv: calls.append(argv)))
    return calls


def test_app_serves_only_the_bundled_notebooks_never_a_path(monkeypatch, capsys):
    calls = _voila_calls(monkeypatch)
    for escape in ("../README.md", "/etc/passwd", "../notebooks/00_side_by_side.ipynb", "", "."):
        capsys.readouterr()
        assert cli.main(["app", "--notebook", escape]) == 2, escape
        err = capsys.readouterr().err
        assert err.startswith("regress-widgets app: error: --notebook: one of 00_side_by_side.ipynb")
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert calls == []


def test_a_bad_folder_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    lab_calls = []
    monkeypatch.setattr(launch, "run_server", lambda argv: lab_calls.append(argv) or 0)
    voila_calls = _voila_calls(monkeypatch)
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    for command in ("lab", "app"):
        for folder, why in (("/proc/nope", "cannot write the notebooks to /proc/nope"), (a_file, "is a file")):
            capsys.readouterr()
            assert cli.main([command, "--folder", str(folder)]) == 2
            err = capsys.readouterr().err
            assert err.startswith(f"regress-widgets {command}: error: --folder: ") and why in err, err
            assert len(err.strip().splitlines()) == 1
    assert lab_calls == [] and voila_calls == []


def test_installed_notebooks_are_copied_never_used_in_place(tmp_path, monkeypatch, capsys):
    """A wheel installs them in regress_widgets/notebooks (writable in a venv): Jupyter works on copies."""
    installed = tmp_path / "site-packages" / "regress_widgets" / "notebooks"
    shutil.copytree(NOTEBOOKS, installed, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for notebook in installed.glob("*.ipynb"):
        notebook.chmod(0o444)  # copies must be editable even so
    monkeypatch.setattr(launch, "INSTALLED", installed)
    monkeypatch.setattr(launch, "PACKAGE", installed.parent)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert launch.bundled_notebooks() == installed
    calls = []
    monkeypatch.setattr(launch, "run_server", lambda argv: calls.append(argv) or 0)
    assert cli.main(["lab"]) == 0
    work = tmp_path / "home" / "regress_widgets_notebooks"
    assert calls == [launch.lab_command(work, [])]
    assert f"Working on copies of the notebooks in {work}" in capsys.readouterr().out
    assert all(os.access(p, os.W_OK) for p in work.glob("*.ipynb"))
    voila = _voila_calls(monkeypatch)
    assert cli.main(["app", "--notebook", "01_caffe2_toy_regression.ipynb"]) == 0
    assert voila[0][0] == str(work / "01_caffe2_toy_regression.ipynb")


def test_version_is_the_package_version(capsys):
    import regress_widgets

    try:
        cli.main(["--version"])
    except SystemExit as stop:
        assert stop.code == 0
    assert capsys.readouterr().out.strip() == f"regress-widgets {regress_widgets.__version__}"


def test_missing_notebooks_are_one_line_not_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(launch, "INSTALLED", tmp_path / "none")
    monkeypatch.setattr(launch, "PACKAGE", tmp_path / "pkg")
    _voila_calls(monkeypatch)
    for command in ("lab", "app"):
        capsys.readouterr()
        assert cli.main([command]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"regress-widgets {command}: error: the notebooks were not found")
        assert err.count("\n") == 1


def test_lab_is_the_server_process_so_sigterm_stops_it(tmp_path):
    """`regress-widgets lab` execs JupyterLab: the PID it started with is the server's, and SIGTERM ends it."""
    import signal
    import subprocess
    import time
    import urllib.request

    from browser_support import free_port, sandbox_env

    port = free_port()
    env = sandbox_env(tmp_path / "home")
    proc = subprocess.Popen([sys.executable, "-m", "regress_widgets.cli", "lab", "--folder", str(tmp_path / "work"),
                             "--no-browser", f"--port={port}", "--IdentityProvider.token=t"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=t", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert proc.poll() is None, "regress-widgets lab exited"
                time.sleep(0.2)
        else:
            raise AssertionError("JupyterLab did not answer within 60 s")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) is not None
        with pytest.raises(OSError):  # nothing left serving on the port
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=t", timeout=2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
