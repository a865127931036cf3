"""Open the bundled notebooks in JupyterLab (``regress-widgets lab``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

FIRST_NOTEBOOK = "00_side_by_side.ipynb"


def bundled_notebooks() -> Path:
    """The notebooks folder shipped beside the package (a source checkout or an editable install)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "notebooks", here.parent / "notebooks"):
        if (candidate / FIRST_NOTEBOOK).exists():
            return candidate
    raise FileNotFoundError(
        "the notebooks were not found beside the package; install from a clone of the repository "
        "(pip install -e .) so that notebooks/ is there"
    )


def working_folder(source: Path, target: Path | None = None) -> Path:
    """``source`` itself when it is writable, else a copy in ``target`` (default ~/regress_widgets_notebooks)."""
    if target is None and os.access(source, os.W_OK):
        return source
    target = Path(target or Path.home() / "regress_widgets_notebooks")
    target.mkdir(parents=True, exist_ok=True)
    for notebook in sorted(source.glob("*.ipynb")):
        if not (target / notebook.name).exists():  # never overwrite a student's edits
            shutil.copy2(notebook, target / notebook.name)
    return target


def lab_command(folder: Path, extra: list[str]) -> list[str]:
    """JupyterLab on ``folder``, opening the side-by-side notebook; as root (a container, a Binder-like
    image) it adds ``--allow-root``, which JupyterLab otherwise demands before it starts."""
    as_root = getattr(os, "geteuid", lambda: 1)() == 0 and "--allow-root" not in extra
    root = ["--allow-root"] if as_root else []
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}", *root, *extra,
            str(folder / FIRST_NOTEBOOK)]


def lab(folder: str | None = None, extra: list[str] | None = None) -> int:
    """Start JupyterLab on the notebooks (copied to ``folder`` when given or when read-only)."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        print("regress-widgets lab: JupyterLab is not installed: pip install 'regress_widgets[lab]'", file=sys.stderr)
        return 2
    work = working_folder(bundled_notebooks(), Path(folder) if folder else None)
    print(f"Opening JupyterLab on {work} (start with {FIRST_NOTEBOOK}); Ctrl+C stops it.")
    return subprocess.call(lab_command(work, extra or []))


def app_argv(notebook: Path, extra: list[str]) -> list[str]:
    """Voilà's arguments: the notebook as an app (its outputs and widgets, no code cells), on loopback only."""
    return [str(notebook), "--Voila.ip=127.0.0.1", "--VoilaConfiguration.strip_sources=True", *extra]


def app(notebook: str | None = None, extra: list[str] | None = None) -> int:
    """Serve a bundled notebook (default: the side-by-side one) as an app with Voilà, in this process,
    so that this process's PID is the server's and SIGTERM stops it (and its kernels) cleanly."""
    try:
        from voila.app import Voila
    except ImportError:
        print("regress-widgets app: Voilà is not installed: pip install voila==0.5.13", file=sys.stderr)
        return 2
    source = bundled_notebooks()
    path = source / (notebook or FIRST_NOTEBOOK)
    if not path.is_file():
        names = ", ".join(p.name for p in sorted(source.glob("*.ipynb")))
        print(f"regress-widgets app: error: --notebook: one of {names}, got {notebook!r}", file=sys.stderr)
        return 2
    print(f"Serving {path.name} as an app on 127.0.0.1 (Voilà); Ctrl+C stops it.", flush=True)
    Voila.launch_instance(argv=app_argv(path, extra or []))
    return 0
