"""Open the bundled notebooks in JupyterLab (``regress-widgets lab``) or one as an app (``regress-widgets app``).

The notebooks are the clone's ``notebooks/`` folder (a source checkout or an editable install), or the copy
that a wheel installs as package data (``regress_widgets/notebooks``). The installed files are never run or
edited in place: Jupyter works on copies in a working folder (``--folder``, default
``~/regress_widgets_notebooks``), made once, so that a student's edits survive the next start.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

FIRST_NOTEBOOK = "00_side_by_side.ipynb"
PACKAGE = Path(__file__).resolve().parent
INSTALLED = PACKAGE / "notebooks"  # where a wheel puts them
DEFAULT_FOLDER = Path("~") / "regress_widgets_notebooks"


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


def notebook_names(source: Path) -> list[str]:
    return sorted(p.name for p in source.glob("*.ipynb"))


def working_folder(source: Path, target: Path | None = None) -> Path:
    """Where Jupyter works: a clone's writable ``notebooks/`` itself, unless ``target`` is given; else copies of
    the notebooks in ``target`` (default ``~/regress_widgets_notebooks``). Installed files are always copied.
    A copy already there is kept (a student's edits). :class:`LaunchError` when ``target`` is unusable."""
    in_place = source.resolve() != INSTALLED and os.access(source, os.W_OK)
    if target is None and in_place:
        return source
    target = Path(target or DEFAULT_FOLDER).expanduser()
    if target.exists() and not target.is_dir():
        raise LaunchError("--folder", f"{target} is a file, not a folder")
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in notebook_names(source):
            if not (target / name).exists():  # never overwrite a student's edits
                shutil.copyfile(source / name, target / name)  # not the mode: installed files may be read-only
    except OSError as err:
        raise LaunchError("--folder", f"cannot write the notebooks to {target}: {err.strerror or err}") from None
    return target


def _prepare(command: str, folder: str | None) -> Path | None:
    """The working folder, stated; None after printing a one-line error."""
    try:
        source = bundled_notebooks()
        work = working_folder(source, Path(folder) if folder else None)
    except LaunchError as err:
        print(f"regress-widgets {command}: error: {err.option}: {err}", file=sys.stderr)
        return None
    except FileNotFoundError as err:
        print(f"regress-widgets {command}: error: {err}", file=sys.stderr)
        return None
    if work != source:
        print(f"Working on copies of the notebooks in {work} (the originals in {source} are left as they are).")
    return work


def lab_command(folder: Path, extra: list[str]) -> list[str]:
    """JupyterLab on ``folder``, opening the side-by-side notebook; as root (a container, a Binder-like
    image) it adds ``--allow-root``, which JupyterLab otherwise demands before it starts."""
    as_root = getattr(os, "geteuid", lambda: 1)() == 0 and "--allow-root" not in extra
    root = ["--allow-root"] if as_root else []
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}", *root, *extra,
            str(folder / FIRST_NOTEBOOK)]


def lab(folder: str | None = None, extra: list[str] | None = None) -> int:
    """Start JupyterLab on the notebooks (copies in ``folder`` when given, or when installed or read-only)."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        print("regress-widgets lab: JupyterLab is not installed: pip install jupyterlab==4.6.6", file=sys.stderr)
        return 2
    work = _prepare("lab", folder)
    if work is None:
        return 2
    print(f"Opening JupyterLab on {work} (start with {FIRST_NOTEBOOK}); Ctrl+C stops it.", flush=True)
    return run_server(lab_command(work, extra or []))


def run_server(argv: list[str]) -> int:
    """Run JupyterLab as this process (exec, on POSIX), so that this PID is the server's: SIGTERM to
    ``regress-widgets lab`` stops JupyterLab and its kernels rather than leaving them running. Elsewhere a
    child process, waited for."""
    if os.name == "posix":
        os.execv(argv[0], argv)
    return subprocess.call(argv)


def app_argv(notebook: Path, extra: list[str]) -> list[str]:
    """Voilà's arguments: the notebook as an app (its outputs and widgets, no code cells), on loopback only."""
    return [str(notebook), "--Voila.ip=127.0.0.1", "--VoilaConfiguration.strip_sources=True", *extra]


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
    print(f"Serving {name} as an app on 127.0.0.1 (Voilà); Ctrl+C stops it.", flush=True)
    Voila.launch_instance(argv=app_argv(work / name, extra or []))
    return 0
