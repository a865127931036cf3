"""`regress-widgets lab`, `app` and `singleuser`: the commands they build, and the working folder.

Starting the servers in a browser is tests/test_browser.py; these run in milliseconds without one.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from regress_widgets.cli import commands as cli
from regress_widgets.cli import launch

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOK = "00_side_by_side.ipynb"


def test_lab_command_opens_the_side_by_side_notebook(tmp_path):
    folder = tmp_path / "work"
    command = launch.lab_command(folder, ["--port=9999"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={folder}" in command
    assert "--LabApp.default_url=/lab/tree/00_side_by_side.ipynb" in command  # notebook 00, not the Launcher
    assert "--ServerApp.jpserver_extensions=notebook_shim=False" in command  # no ServerApp.token warning
    assert not any("token" in arg.lower() for arg in command)  # Jupyter makes its own token
    assert "--port=9999" in command
    assert ("--allow-root" in command) == (os.geteuid() == 0)  # JupyterLab refuses root without it
    assert launch.OFFLINE_MATH in command  # Voilà pages of this server: the bundled MathJax, no CDN


def test_singleuser_copies_the_notebooks_then_becomes_the_hubs_server(tmp_path, monkeypatch, capsys):
    """On a hub (Spawner.cmd, docs/hub/): the student's copies first, then jupyterhub-singleuser on them, the hub's
    own arguments last; never --allow-root of its own (a hub runs students as themselves)."""
    source, work, calls = _clone(tmp_path, monkeypatch)
    assert cli.main(["singleuser", "--port=8888"]) == 0
    assert calls == [launch.singleuser_command(work, ["--port=8888"])]
    assert calls[0][:3] == [sys.executable, "-m", "jupyterhub.singleuser"]
    assert f"--ServerApp.root_dir={work}" in calls[0] and launch.OFFLINE_MATH in calls[0]
    assert calls[0][-1] == "--port=8888" and "--allow-root" not in calls[0]
    assert _contents(work) == _contents(source)
    assert f"your copies of the notebooks are in {work}" in capsys.readouterr().out


def _clone(tmp_path, monkeypatch):
    """A writable clone's notebooks/ (as in `pip install -e .`) and a fresh HOME; no server is started."""
    source = tmp_path / "clone" / "notebooks"
    shutil.copytree(NOTEBOOKS, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    monkeypatch.setattr(launch, "bundled_notebooks", lambda: source)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    calls = []
    monkeypatch.setattr(launch, "run_server", lambda argv: calls.append(argv) or 0)
    return source, tmp_path / "home" / "regress_widgets_notebooks", calls


def _contents(folder):
    return {p.name: p.read_bytes() for p in folder.glob("*.ipynb")}


def test_lab_never_opens_a_clones_own_notebooks(tmp_path, monkeypatch, capsys):
    """A clone's notebooks/ are the files CI checks and Jupyter autosaves what it opens: lab opens copies."""
    source, work, calls = _clone(tmp_path, monkeypatch)
    before = _contents(source)
    assert cli.main(["lab", "--port=9999"]) == 0
    assert calls == [launch.lab_command(work, ["--port=9999"])]
    assert _contents(work) == before and _contents(source) == before
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"regress-widgets lab: your copies of the notebooks are in {work} "
                      "(the bundled ones are never edited)")
    assert len(out) == 2 and "opening 00_side_by_side.ipynb" in out[1]
    # --folder chooses the place; the clone's folder itself (however spelt) is refused, naming the option
    assert cli.main(["lab", "--folder", str(tmp_path / "mine")]) == 0
    assert calls[-1] == launch.lab_command(tmp_path / "mine", [])
    assert _contents(tmp_path / "mine") == before
    for spelling in (source, source / ".." / "notebooks"):
        capsys.readouterr()
        assert cli.main(["lab", "--folder", str(spelling)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("regress-widgets lab: error: --folder: ") and "holds the bundled notebooks" in err
        assert len(err.strip().splitlines()) == 1
    assert len(calls) == 2 and _contents(source) == before


def test_a_students_copy_is_kept_and_a_newer_bundled_one_is_said(tmp_path, monkeypatch, capsys):
    source, work, calls = _clone(tmp_path, monkeypatch)
    assert cli.main(["lab"]) == 0
    edited, untouched = "01_caffe2_toy_regression.ipynb", "03_pytorch_linear_regression.ipynb"
    (work / edited).write_text('{"student": 1}')
    assert cli.main(["lab"]) == 0  # nothing new upstream: the edit stays, nothing to say
    assert (work / edited).read_text() == '{"student": 1}'
    assert len(capsys.readouterr().out.splitlines()) == 4
    # a new release (or a git pull) changes both bundled notebooks
    for name in (edited, untouched):
        (source / name).write_text('{"release": 2}')
    assert cli.main(["lab"]) == 0
    assert (work / edited).read_text() == '{"student": 1}'  # never overwritten
    assert (work / untouched).read_text() == '{"release": 2}'  # nobody changed it: it follows the release
    notes = capsys.readouterr().out.splitlines()[1:-1]
    assert notes == [
        f"regress-widgets lab: updated {untouched}: you had not changed your copy, and the bundled one is newer",
        f"regress-widgets lab: kept your changed copy of {edited}; the bundled one is newer: delete or rename "
        f"your copy ({work / edited}) to get the new one at the next start",
    ]
    (work / edited).unlink()
    assert cli.main(["lab"]) == 0
    assert (work / edited).read_text() == '{"release": 2}'
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_copies_made_before_the_record_are_kept_and_judged_by_date(tmp_path, monkeypatch, capsys):
    """Copies from an older regress_widgets have no record: changed ones are kept; newer bundled ones said."""
    source, work, calls = _clone(tmp_path, monkeypatch)
    work.mkdir(parents=True)
    old, same = "02_mxnet_linear_regression.ipynb", "03_pytorch_linear_regression.ipynb"
    (work / old).write_text("{}")
    shutil.copyfile(source / same, work / same)
    os.utime(work / old, (1_000_000_000, 1_000_000_000))  # copied long before the bundled one was written
    assert cli.main(["lab"]) == 0
    assert (work / old).read_text() == "{}"
    out = capsys.readouterr().out
    assert f"kept your changed copy of {old}; the bundled one is newer" in out and same not in out


def test_app_serves_the_side_by_side_notebook_on_loopback_without_code(tmp_path, monkeypatch, capsys):
    from voila.app import Voila

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    work = tmp_path / "home" / "regress_widgets_notebooks"

    argv = launch.app_argv(NOTEBOOKS / NOTEBOOK, ["--port=9998"])
    assert argv[0] == str(NOTEBOOKS / NOTEBOOK)
    assert "--Voila.ip=127.0.0.1" in argv
    assert "--VoilaConfiguration.strip_sources=True" in argv
    assert "--VoilaConfiguration.show_tracebacks=True" in argv  # a wrong link's error names the key
    assert argv[-1] == "--port=9998"

    calls = []
    monkeypatch.setattr(Voila, "launch_instance", classmethod(lambda cls, argv: calls.append(argv)))
    assert cli.main(["app", "--port=9998", "--no-browser"]) == 0  # Voilà's own options pass through
    assert calls == [launch.app_argv(work / NOTEBOOK, ["--port=9998", "--no-browser"])]  # a copy, like lab
    assert (work / NOTEBOOK).read_bytes() == (NOTEBOOKS / NOTEBOOK).read_bytes()
    assert cli.main(["app", "--notebook", "03_pytorch_linear_regression.ipynb"]) == 0
    assert calls[-1][0] == str(work / "03_pytorch_linear_regression.ipynb")

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
    assert f"regress-widgets lab: your copies of the notebooks are in {work} " in capsys.readouterr().out
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


def test_lab_opens_notebook_00_without_warnings_and_sigterm_stops_it(tmp_path):
    """A real start (a few seconds): `regress-widgets lab` execs JupyterLab, so the PID it started with is the
    server's and SIGTERM ends it; the URL it prints, and the one / redirects to, is notebook 00 (not the
    Launcher); nothing in its log is a warning (the ServerApp.token deprecation was one)."""
    import signal
    import subprocess
    import time
    import urllib.request

    from browser_servers import free_port, sandbox_env

    port = free_port()
    env = sandbox_env(tmp_path / "home")
    log = tmp_path / "lab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "regress_widgets.cli", "lab", "--folder", str(tmp_path / "work"),
                                 "--no-browser", f"--port={port}", "--IdentityProvider.token=t"], env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/?token=t", timeout=2) as answer:
                    assert answer.status == 200
                    assert answer.url == f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?token=t"
                    break
            except OSError:
                assert proc.poll() is None, "regress-widgets lab exited:\n" + log.read_text()
                time.sleep(0.2)
        else:
            raise AssertionError("JupyterLab did not answer within 60 s:\n" + log.read_text())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) is not None
        with pytest.raises(OSError):  # nothing left serving on the port
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=t", timeout=2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = log.read_text()
    assert text.startswith(f"regress-widgets lab: your copies of the notebooks are in {tmp_path / 'work'} ")
    assert f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?token=" in text
    assert "Warning" not in text and "[W " not in text, text
    assert _contents(tmp_path / "work") == _contents(NOTEBOOKS)


def test_servers_send_frames_at_once(tmp_path):
    """`lab` and `singleuser` start Jupyter with the kernel websocket that turns Nagle's algorithm off
    (cli/quick_frames.py), a class the server accepts for its setting."""
    from jupyter_server.serverapp import ServerApp

    from regress_widgets.cli.quick_frames import QuickFrames

    for command in (launch.lab_command(tmp_path, []), launch.singleuser_command(tmp_path, [])):
        assert launch.QUICK_FRAMES in command
    name = launch.QUICK_FRAMES.split("=", 1)[1]
    app = ServerApp(kernel_websocket_connection_class=name)
    assert app.kernel_websocket_connection_class is QuickFrames
