"""Isolated environments for the real frameworks, each in its own interpreter.

=========  ==========  ==========================================================  ========  =======
name       Python      packages                                                    download  on disk
=========  ==========  ==========================================================  ========  =======
caffe2     3.8         ``torch==1.8.1 'numpy<1.20' 'protobuf<3.21' future six``    ~800 MB   1.7 GB
mxnet      3.11        ``mxnet==1.9.1 'numpy<1.24'``                               ~50 MB    0.3 GB
pytorch    3.11        ``torch==2.13.0 numpy``                                     ~190 MB   1.0 GB
=========  ==========  ==========================================================  ========  =======

Caffe2 lives on only inside torch ≤ 1.8-era wheels, which exist for Python ≤ 3.9; MXNet 1.9.1
still calls ``np.bool``, removed in numpy 1.24. Each environment is a plain venv under the
user's cache directory (``$REGRESS_WIDGETS_ENVS``, else ``$XDG_CACHE_HOME/regress_widgets/envs``
or ``~/.cache/regress_widgets/envs``; ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on
Windows). It is marked complete (a small JSON file naming what it was built from) only once its
framework imports, so an interrupted build is redone and a second ``regress-widgets envs install``
returns at once.

Extra pip arguments can be given in ``$REGRESS_WIDGETS_PIP_ARGS`` (e.g. ``--index-url
https://download.pytorch.org/whl/cpu``: on Linux a plain ``torch==2.13.0`` from PyPI is the
multi-GB CUDA build, unless a CPU wheel is on hand as on the project's machines).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

MARKER = "regress_widgets-env.json"


class EnvError(RuntimeError):
    """An environment that cannot be built or used; the message says what to do."""


@dataclass(frozen=True)
class EnvSpec:
    name: str
    pythons: tuple[str, ...]
    """Python versions that work, the preferred first."""
    packages: tuple[str, ...]
    check: str
    """Python code that imports the framework and prints its version."""
    download: str

    def fingerprint(self) -> dict:
        return {"name": self.name, "packages": list(self.packages)}


ENVS: dict[str, EnvSpec] = {
    "caffe2": EnvSpec(
        "caffe2", ("3.8",),
        ("torch==1.8.1", "numpy<1.20", "protobuf<3.21", "future", "six"),
        "import caffe2.python.workspace, torch; print(torch.__version__)",
        "about 800 MB",
    ),
    "mxnet": EnvSpec(
        "mxnet", ("3.11", "3.10", "3.9", "3.8"),
        ("mxnet==1.9.1", "numpy<1.24"),
        "import mxnet; print(mxnet.__version__)",
        "about 50 MB",
    ),
    "pytorch": EnvSpec(
        "pytorch", ("3.11", "3.12", "3.13", "3.10"),
        ("torch==2.13.0", "numpy"),
        "import torch; print(torch.__version__)",
        "about 190 MB",
    ),
}


def get_spec(name: str) -> EnvSpec:
    if name not in ENVS:
        raise EnvError(f"unknown framework {name!r}: one of {', '.join(ENVS)}")
    return ENVS[name]


def envs_dir() -> Path:
    """Where the environments live: the user's cache directory (see the module docstring)."""
    if os.environ.get("REGRESS_WIDGETS_ENVS"):
        return Path(os.environ["REGRESS_WIDGETS_ENVS"]).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "regress_widgets" / "envs"


def env_root(name: str) -> Path:
    return envs_dir() / get_spec(name).name


def venv_python(root: Path) -> Path:
    return root / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def install_hint(name: str) -> str:
    return f"build it with `regress-widgets envs install {name}` (downloads {get_spec(name).download})"


def env_python(name: str) -> Path:
    """The interpreter of a built environment; :class:`EnvError` saying how to build it if missing."""
    root = env_root(name)
    python = venv_python(root)
    if not (python.exists() and _marker_matches(root, get_spec(name))):
        raise EnvError(f"the {name} environment is not built (looked in {root}); {install_hint(name)}")
    return python


def _marker_matches(root: Path, spec: EnvSpec) -> bool:
    try:
        marker = json.loads((root / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return {k: marker.get(k) for k in ("name", "packages")} == spec.fingerprint()


def python_version(python: str | os.PathLike) -> str | None:
    """``"3.8"`` for a working interpreter, ``None`` when it does not run."""
    try:
        out = subprocess.run([os.fspath(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _candidates(version: str):
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        yield sys.executable
    exe = shutil.which(f"python{version}")
    if exe:
        yield exe
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            out = subprocess.run([pyenv, "prefix", version], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            out = None
        if out is not None and out.returncode == 0:
            for prefix in out.stdout.split(os.pathsep):
                yield str(Path(prefix.strip()) / "bin" / f"python{version}")
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    for prefix in sorted(root.glob(f"{version}.*"), reverse=True):
        yield str(prefix / "bin" / f"python{version}")
    if sys.platform == "win32" and shutil.which("py"):
        yield from _windows_launcher(version)


def _windows_launcher(version):
    try:
        out = subprocess.run(["py", f"-{version}", "-c", "import sys; print(sys.executable)"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return
    if out.returncode == 0:
        yield out.stdout.strip()


def find_python(name: str) -> tuple[str, str]:
    """An interpreter for the environment: ``(path, version)``, or :class:`EnvError`."""
    spec = get_spec(name)
    for version in spec.pythons:
        for exe in _candidates(version):
            if Path(exe).exists() and python_version(exe) == version:
                return exe, version
    wanted = " or ".join(f"Python {v}" for v in spec.pythons)
    raise EnvError(
        f"the {name} environment needs {wanted}, and none was found (looked for python{spec.pythons[0]} on PATH "
        f"and in pyenv); install one (e.g. `pyenv install {spec.pythons[0]}`) or pass --python PATH"
    )


_OFFLINE = ("Failed to establish a new connection", "Temporary failure in name resolution", "Network is unreachable",
            "Name or service not known", "ProxyError", "ConnectTimeout", "Read timed out", "Could not fetch URL",
            "No matching distribution found", "ConnectionError")


def _stream(cmd, log, *, cwd=None, env=None) -> tuple[int, deque]:
    """Run ``cmd``, echoing its output line by line (indented) and keeping the last lines."""
    tail: deque = deque(maxlen=60)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        tail.append(line.rstrip())
        log("    " + line.rstrip())
    return proc.wait(), tail


def install(name: str, *, python: str | None = None, force: bool = False, log=print) -> Path:
    """Build one environment (unless it is already built) and return its interpreter.

    Every step is announced through ``log``; a failed step raises :class:`EnvError` saying why
    and what to do.
    """
    spec = get_spec(name)
    root = env_root(name)
    started = time.perf_counter()
    if not force and _marker_matches(root, spec) and venv_python(root).exists():
        version = _check(spec, venv_python(root))
        if version:
            log(f"{name}: already built ({spec.name} {version}) in {root}")
            return venv_python(root)
        log(f"{name}: the environment in {root} is broken; rebuilding it")

    log(f"{name} [1/4] finding Python {' or '.join(spec.pythons)}")
    if python:
        version = python_version(python)
        if version not in spec.pythons:
            raise EnvError(f"--python {python}: {name} needs Python {' or '.join(spec.pythons)}, "
                           f"that interpreter is {version or 'not runnable'}")
    else:
        python, version = find_python(name)
    log(f"    {python} (Python {version})")
    py_version = version

    # built in place, complete once MARKER is written
    shutil.rmtree(root, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    log(f"{name} [2/4] creating a virtual environment in {root}")
    rc, tail = _stream([python, "-m", "venv", str(root)], log)
    if rc != 0:
        raise EnvError(f"{name}: `{python} -m venv` failed (exit {rc}): {tail[-1] if tail else ''}. "
                       "On Debian/Ubuntu install the pythonX.Y-venv package.")

    log(f"{name} [3/4] pip install {' '.join(spec.packages)} ({spec.download}; needs PyPI)")
    extra = shlex.split(os.environ.get("REGRESS_WIDGETS_PIP_ARGS", ""))
    pip = [str(venv_python(root)), "-m", "pip", "install", "--progress-bar", "off", *extra, *spec.packages]
    rc, tail = _stream(pip, log)
    if rc != 0:
        text = "\n".join(tail)
        why = ("pip could not download the packages: is this machine online, and can it reach PyPI "
               "(https://pypi.org, or the index in your pip configuration)?") if any(
            s in text for s in _OFFLINE) else f"pip failed (exit {rc}); its output is above"
        raise EnvError(f"{name}: installing {' '.join(spec.packages)} failed. {why} "
                       f"Then rerun `regress-widgets envs install {name}`.")

    log(f"{name} [4/4] checking that {name} imports")
    version = _check(spec, venv_python(root))
    if not version:
        raise EnvError(f"{name}: the packages installed but `{spec.check}` failed in {root}; "
                       f"rerun `regress-widgets envs install {name} --force`")
    (root / MARKER).write_text(json.dumps({**spec.fingerprint(), "python": py_version, "framework_version": version,
                                           "built": time.strftime("%Y-%m-%dT%H:%M:%S")}, indent=1))
    log(f"{name}: built {spec.name} {version} in {root} ({time.perf_counter() - started:.0f} s)")
    return venv_python(root)


def _check(spec: EnvSpec, python: Path) -> str | None:
    try:
        out = subprocess.run([str(python), "-c", spec.check], capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = out.stdout.strip().splitlines()
    return lines[-1] if out.returncode == 0 and lines else None


def status() -> list[dict]:
    """Each environment: name, where it lives, whether it is built."""
    rows = []
    for name, spec in ENVS.items():
        root = env_root(name)
        built = venv_python(root).exists() and _marker_matches(root, spec)
        rows.append({"name": name, "path": str(root), "built": built, "packages": list(spec.packages)})
    return rows
