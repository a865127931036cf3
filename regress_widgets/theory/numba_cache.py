"""Where numba keeps its compiled code: next to the source when the package folder is writable (numba's own
choice), else in a folder of the user's (``NUMBA_CACHE_DIR``): a read-only install (a hub image's site-packages)
must never be written into, and must not make a student's kernel print a warning."""

from __future__ import annotations

import os
import sys
import tempfile

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cache_dir() -> str | None:
    """The folder numba should cache in: None (next to the source) where the package's folders are writable,
    else ``$XDG_CACHE_HOME/regress_widgets/numba`` (``~/.cache/…``), or a temporary folder's when that cannot be
    made."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    folders = [os.path.join(PACKAGE, sub, "__pycache__") for sub in ("engine", "theory")]
    if all(_writable(f) for f in folders):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for root in (base, tempfile.gettempdir()):
        path = os.path.join(root, "regress_widgets", "numba")
        try:
            os.makedirs(path, exist_ok=True)
        except OSError:
            continue
        if _writable(path):
            return path
    return None


def _writable(folder: str) -> bool:
    """``folder`` exists and takes a file, or can be made (its parent takes one)."""
    target = folder if os.path.isdir(folder) else os.path.dirname(folder)
    return os.access(target, os.W_OK | os.X_OK)


def prepare() -> None:
    """Point numba at :func:`cache_dir` before it caches anything of ours (numba imported or not)."""
    path = cache_dir()
    if path is None or os.environ.get("NUMBA_CACHE_DIR") == path:
        return
    os.environ["NUMBA_CACHE_DIR"] = path
    config = sys.modules.get("numba.core.config")
    if config is not None:  # numba read the environment when it was imported: tell it too
        config.CACHE_DIR = path
