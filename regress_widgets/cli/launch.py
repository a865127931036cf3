"""Open the bundled notebooks in JupyterLab (``regress-widgets lab``) or one as an app (``regress-widgets app``), or
start a student's server on a JupyterHub (``regress-widgets singleuser``, the hub's ``Spawner.cmd``).

The notebooks are the clone's ``notebooks/`` folder (a source checkout or an editable install), or the copy
that a wheel installs as package data (``regress_widgets/notebooks``). Neither is ever opened: Jupyter autosaves,
and a clone's notebooks are the files CI checks. Jupyter works on copies in a working folder (``--folder``,
default ``~/regress_widgets_notebooks``); :mod:`regress_widgets.cli.notebook_copies` says when a copy is made,
updated or kept (a student's edits are never overwritten).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .notebook_copies import FolderError, notebook_names, refresh

FIRST_NOTEBOOK = "00_side_by_side.ipynb"
PACKAGE = Path(__file__).resolve().parent.parent  # regress_widgets/
INSTALLED = PACKAGE / "notebooks"  # where a wheel puts them
DEFAULT_FOLDER = Path("~") / "regress_widgets_notebooks"

__all__ = ["LaunchError", "app", "bundled_notebooks", "lab", "lab_command", "notebook_names", "singleuser",
           "singleuser_command", "working_folder"]


class LaunchError(ValueError):
    """A bad ``lab``/``app`` option: ``option`` names it, the message says what is allowed."""

    def __init__(self, option: str, message: str):
        super().__init__(message)
        self.option = option


def bundled_notebooks() -> Path:
    """The notebooks shipped with the package: installed from a wheel, or the clone's ``notebooks/``."""
    for candidate in (INSTALLED, PACKAGE.parent / "notebooks"):
        if (candidate / FIRST_NOTEBOOK).exists():
            return candidate
    raise FileNotFoundError(
        f"the notebooks were not found in {INSTALLED} nor beside the package; reinstall regress_widgets "
        "(pip install --force-reinstall regress_widgets) or install from a clone (pip install -e .)"
    )


def working_folder(source: Path, target: Path | None = None, notes: list[str] | None = None) -> Path:
    """The folder Jupyter works in: copies of ``source``'s notebooks in ``target`` (default
    ``~/regress_widgets_notebooks``), never ``source`` itself nor the package's notebooks. Lines about copies
    updated or kept stale are appended to ``notes``. :class:`LaunchError` (``--folder``) when unusable."""
    target = Path(target or DEFAULT_FOLDER).expanduser()
    protected = [source, INSTALLED, PACKAGE.parent / "notebooks"]
    try:
        report = refresh(source, target, protected)
    except FolderError as err:
        raise LaunchError("--folder", str(err)) from None
    if notes is not None:
        notes.extend(report.lines())
    return report.folder


def _prepare(command: str, folder: str | None) -> Path | None:
    """The working folder, stated on one line (and one line per copy updated or kept stale); None after
    printing a one-line error."""
    notes: list[str] = []
    try:
        source = bundled_notebooks()
        work = working_folder(source, Path(folder) if folder else None, notes)
    except LaunchError as err:
        print(f"regress-widgets {command}: error: {err.option}: {err}", file=sys.stderr)
        return None
    except FileNotFoundError as err:
        print(f"regress-widgets {command}: error: {err}", file=sys.stderr)
        return None
    print(f"regress-widgets {command}: your copies of the notebooks are in {work} (the bundled ones are never "
          "edited)")
    for note in notes:
        print(f"regress-widgets {command}: {note}")
    return work


# JupyterLab opens this page, prints it as its URL and redirects / to it: notebook 00, not the Launcher.
LAB_URL = f"/lab/tree/{FIRST_NOTEBOOK}"
# notebook_shim (the old Notebook server's config, for nbclassic) reads every ServerApp trait at start, the
# deprecated ServerApp.token among them, which prints a DeprecationWarning although nothing set a token.
# Nothing here uses nbclassic or a jupyter_notebook_config file, so the shim is not loaded.
NO_SHIM = "--ServerApp.jpserver_extensions=notebook_shim=False"
# Voilà inside a Jupyter server (the voila/render/… pages of a hub's single-user server, or of `lab`) finds no MathJax
# setting among the server's and falls back to loading MathJax 2 from cdnjs.cloudflare.com: on a closed classroom
# network, or one whose firewall blocks that CDN, the notebooks' math stays raw LaTeX ($y = W_0 x_0 + …$). With both
# settings null it typesets with the MathJax 3 it bundles, as the standalone `regress-widgets app` does (Voilà's own
# settings are null there). JupyterLab's own math is not affected (it bundles MathJax 3 and ignores them).
OFFLINE_MATH = "--ServerApp.tornado_settings={'mathjax_url': None, 'mathjax_config': None}"
# A frame leaves the server at once (cli/quick_frames.py: Nagle's algorithm held each frame's tail about 30 ms).
QUICK_FRAMES = "--ServerApp.kernel_websocket_connection_class=regress_widgets.cli.quick_frames.QuickFrames"


def lab_command(folder: Path, extra: list[str]) -> list[str]:
    """JupyterLab on ``folder``, opening the side-by-side notebook; as root (a container, a Binder-like
    image) it adds ``--allow-root``, which JupyterLab otherwise demands before it starts. A token, if any,
    is Jupyter's own (``--IdentityProvider.token`` in ``extra`` sets one)."""
    as_root = getattr(os, "geteuid", lambda: 1)() == 0 and "--allow-root" not in extra
    root = ["--allow-root"] if as_root else []
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}", f"--LabApp.default_url={LAB_URL}",
            NO_SHIM, OFFLINE_MATH, QUICK_FRAMES, *root, *extra]


def lab(folder: str | None = None, extra: list[str] | None = None) -> int:
    """Start JupyterLab on copies of the notebooks in ``folder`` (default ``~/regress_widgets_notebooks``),
    opening notebook 00."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        print("regress-widgets lab: JupyterLab is not installed: pip install jupyterlab==4.6.6", file=sys.stderr)
        return 2
    work = _prepare("lab", folder)
    if work is None:
        return 2
    print(f"regress-widgets lab: opening {FIRST_NOTEBOOK} in JupyterLab; Ctrl+C stops it.", flush=True)
    return run_server(lab_command(work, extra or []))


def singleuser_command(folder: Path, extra: list[str]) -> list[str]:
    """JupyterHub's single-user server serving ``folder`` (the student's copies), Voilà's math typeset offline;
    ``extra`` (the hub's arguments, given last) may override any of it. The hub's ``Spawner.default_url`` (sent in
    ``JUPYTERHUB_DEFAULT_URL``) says which page opens: ``/lab/tree/00_side_by_side.ipynb`` in docs/hub/."""
    return [sys.executable, "-m", "jupyterhub.singleuser", f"--ServerApp.root_dir={folder}", NO_SHIM, OFFLINE_MATH,
            QUICK_FRAMES, *extra]


def singleuser(folder: str | None = None, extra: list[str] | None = None) -> int:
    """A student's server on a JupyterHub (``c.Spawner.cmd = ["regress-widgets", "singleuser"]``): refresh their
    copies of the notebooks in ``folder`` (default ``~/regress_widgets_notebooks``, kept on their home volume; a
    copy they changed is never overwritten), then become the hub's single-user server on that folder. It execs, so
    this PID is the one the hub started and stops. Why not plain ``jupyterhub-singleuser``: a new student's home
    is empty (and on Zero to JupyterHub the home volume hides whatever the image put there)."""
    try:
        import jupyterhub.singleuser  # noqa: F401
    except ImportError:
        print("regress-widgets singleuser: JupyterHub's single-user server is not installed in this environment: "
              "pip install jupyterhub (the version the hub runs)", file=sys.stderr)
        return 2
    work = _prepare("singleuser", folder)
    if work is None:
        return 2
    print("regress-widgets singleuser: starting JupyterHub's single-user server on them", flush=True)
    return run_server(singleuser_command(work, extra or []))


def run_server(argv: list[str]) -> int:
    """Run JupyterLab as this process (exec, on POSIX), so that this PID is the server's: SIGTERM to
    ``regress-widgets lab`` stops JupyterLab and its kernels rather than leaving them running. Elsewhere a
    child process, waited for."""
    if os.name == "posix":
        os.execv(argv[0], argv)
    return subprocess.call(argv)


def app_argv(notebook: Path, extra: list[str]) -> list[str]:
    """Voilà's arguments: the notebook as an app (its outputs and widgets, no code cells), on loopback only.
    Errors are shown (Voilà hides them by default): a teacher's link with a wrong key or value then says which
    (``lr must be a number in (0, 10], got 'abc'``), not just "there was an error"."""
    return [str(notebook), "--Voila.ip=127.0.0.1", "--VoilaConfiguration.strip_sources=True",
            "--VoilaConfiguration.show_tracebacks=True", *extra]


def app(notebook: str | None = None, extra: list[str] | None = None, folder: str | None = None) -> int:
    """Serve a bundled notebook (default: the side-by-side one) as an app with Voilà, in this process,
    so that this process's PID is the server's and SIGTERM stops it (and its kernels) cleanly.
    Only the bundled notebooks are served, by name: never a path (``../README.md``, ``/etc/passwd``)."""
    try:
        from voila.app import Voila
    except ImportError:
        print("regress-widgets app: Voilà is not installed: pip install voila==0.5.13", file=sys.stderr)
        return 2
    try:
        names = notebook_names(bundled_notebooks())
    except FileNotFoundError as err:
        print(f"regress-widgets app: error: {err}", file=sys.stderr)
        return 2
    name = FIRST_NOTEBOOK if notebook is None else notebook
    if name not in names:
        print(f"regress-widgets app: error: --notebook: one of {', '.join(names)}, got {notebook!r}", file=sys.stderr)
        return 2
    work = _prepare("app", folder)
    if work is None:
        return 2
    print(f"regress-widgets app: serving {name} as an app on 127.0.0.1 (Voilà); Ctrl+C stops it.", flush=True)
    Voila.launch_instance(argv=app_argv(work / name, extra or []))
    return 0
