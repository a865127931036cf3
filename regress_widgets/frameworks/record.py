"""Run a real framework's runner in its own interpreter and keep what it did as a recording.

:func:`record` validates the settings with the recipe (the same overrides and ranges as the
engine), runs ``<framework>_runner.py`` with the framework environment's interpreter (see
:mod:`.envs`) or the one given, checks the arrays it wrote with
:meth:`regress_widgets.Recording.load`, and stores them compactly: float32 as the framework
computed them (lossless), compressed.

The recordings shipped in ``recordings/`` are each tutorial's own settings, seed 0, made by
the real frameworks (MXNet: all 10 epochs, 25,000 steps). Regenerate them, after
``regress-widgets envs install all``, with::

    python -m regress_widgets.frameworks.record

which is ``regress-widgets record NAME --seed 0 --out regress_widgets/frameworks/recordings/NAME.npz``
for caffe2, mxnet and pytorch, and, for each optimizer (:data:`OPTIMIZER_RUNS`), ``NAME_VARIANT.npz`` with
the tutorial's settings and that optimizer's (MXNet: one epoch, to keep the files small).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ..recipes.settings import check_seed
from ..recipes.tutorials import RECIPES, InvalidSetting, get_recipe
from . import envs
from .recording import Recording

HERE = Path(__file__).resolve().parent
RECORDINGS = HERE / "recordings"
FRAMEWORKS = tuple(envs.ENVS)


OPTIMIZER_RUNS = {  # variant → the settings it adds to the tutorial's own (all frameworks), then per framework
    "momentum": dict(momentum=0.9),
    "nesterov": dict(optimizer="nesterov", momentum=0.9, weight_decay=0.01),
    "adam": dict(optimizer="adam"),
}
OPTIMIZER_RUN_EXTRAS = {
    ("mxnet", "momentum"): dict(epochs=1), ("mxnet", "nesterov"): dict(epochs=1),
    ("mxnet", "adam"): dict(epochs=1, lr=0.01), ("pytorch", "adam"): dict(lr=0.1),
}


def optimizer_run(framework: str, variant: str) -> dict:
    """The settings of the shipped ``variant`` recording of ``framework`` (seed 0)."""
    return {**OPTIMIZER_RUNS[variant], **OPTIMIZER_RUN_EXTRAS.get((framework, variant), {})}


class RecordError(RuntimeError):
    """The runner failed; the message carries the end of its output."""


def runner_path(framework: str) -> Path:
    envs.get_spec(framework)
    return HERE / f"{framework}_runner.py"


def shipped(framework: str, variant: str | None = None) -> Path:
    """The recording of ``framework``'s tutorial settings that ships with the package (``variant``: one of
    :data:`OPTIMIZER_RUNS`, the same with that optimizer)."""
    envs.get_spec(framework)
    if variant is None:
        return RECORDINGS / f"{framework}.npz"
    if variant not in OPTIMIZER_RUNS:
        raise InvalidSetting("variant", f"None or one of {', '.join(OPTIMIZER_RUNS)}", variant)
    return RECORDINGS / f"{framework}_{variant}.npz"


def check_out(out) -> Path:
    """Where a recording may be written: a name ending in .npz in an existing, writable folder (checked before
    the real framework runs, which can take a while)."""
    allowed = "a file name ending in .npz, in a folder that exists and can be written"
    path = Path(os.fspath(out)) if isinstance(out, (str, os.PathLike)) and os.fspath(out) else None
    if path is None or path.suffix.lower() != ".npz" or path.is_dir():
        raise InvalidSetting("out", allowed, out)
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
        raise InvalidSetting("out", f"{allowed} ({path.parent} is not a writable folder)", os.fspath(out))
    return path


def check_python(python) -> str:
    """An interpreter given explicitly: an executable file, or a command found on PATH."""
    path = os.fspath(python)
    found = path if os.sep in path else shutil.which(path)
    if not (found and os.path.isfile(found) and os.access(found, os.X_OK)):
        raise InvalidSetting("python", "an executable Python interpreter (a path, or a command on PATH)", path)
    return path


def runner_command(framework: str, out, *, seed: int = 0, python=None, **overrides) -> list[str]:
    """The command line that runs the framework's runner with validated settings."""
    recipe = get_recipe(framework).with_settings(**overrides)
    seed = check_seed(seed)
    python = os.fspath(python) if python else os.fspath(envs.env_python(framework))
    cmd = [python, "-s", str(runner_path(framework)), "--out", os.fspath(out), "--seed", str(seed)]
    for name, value in {**recipe.settings, **recipe.optimizer_settings}.items():
        cmd += [f"--{name.replace('_', '-')}", value if isinstance(value, str) else repr(value)]
    return cmd


def record(framework: str, out, *, seed: int = 0, python=None, log=None, **overrides) -> Recording:
    """Run the real ``framework`` with these settings and write its recording to ``out``.

    ``python`` is the interpreter to run (default: the framework's environment, which must be
    built: :class:`~.envs.EnvError` says how otherwise). Overrides are the engine's (``lr``,
    ``gamma``, ``stepsize``, ``batch_size``, ``noise``, ``steps`` or ``epochs``, and the optimizer's ``optimizer``,
    ``momentum``, ``beta1``, ``beta2``, ``eps``, ``weight_decay``: the framework's own optimizer runs them).
    """
    if framework not in RECIPES:
        get_recipe(framework)  # InvalidSetting naming the allowed ones
    check_out(out)
    if python:
        check_python(python)
    with tempfile.TemporaryDirectory(prefix="regress_widgets-") as tmp:
        raw = Path(tmp) / "raw.npz"
        cmd = runner_command(framework, raw, seed=seed, python=python, **overrides)
        if log:
            log(f"running the real {framework}: {' '.join(cmd[2:3])} with {cmd[0]}")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp)
        if proc.returncode != 0 or not raw.exists():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise RecordError(f"the {framework} runner failed (exit {proc.returncode}) with {cmd[0]}:\n{tail}")
        rec = Recording.load(raw)
        seconds = time.perf_counter() - started
    rec = compact(rec, seconds=round(seconds, 2))
    rec.save(out)
    return rec


def compact(rec: Recording, **meta) -> Recording:
    """The same recording stored small: float32 arrays (the frameworks' own dtype), small integers.

    The learning rates stay float64: MXNet and PyTorch use a Python float.
    """
    f32 = {k: np.asarray(getattr(rec, k), dtype=np.float32) for k in ("X", "y", "theta0", "theta", "loss")}
    for key, a in f32.items():
        same = np.isnan(a) == np.isnan(getattr(rec, key))
        if not (same.all() and np.array_equal(a[~np.isnan(a)], getattr(rec, key)[~np.isnan(a)])):
            f32[key] = getattr(rec, key)  # not float32 values after all: keep them exactly
    sizes = rec.batch_sizes.astype(np.min_scalar_type(int(rec.batch_sizes.max())))
    return Recording(f32["X"], f32["y"], sizes, f32["theta0"], f32["theta"], np.asarray(rec.lr), f32["loss"],
                     {**rec.meta, **meta})


def regenerate(frameworks=FRAMEWORKS, *, seed: int = 0, log=print, variants=(None, *OPTIMIZER_RUNS)) -> None:
    """Remake the shipped recordings (the tutorials' own settings, and each optimizer's) with the real frameworks."""
    RECORDINGS.mkdir(exist_ok=True)
    for name in frameworks:
        for variant in variants:
            path = shipped(name, variant)
            settings = {} if variant is None else optimizer_run(name, variant)
            rec = record(name, path, seed=seed, log=log, **settings)
            log(f"wrote {path.name}: {len(rec.batch_sizes)} steps, {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":  # python -m regress_widgets.frameworks.record [FRAMEWORK…] [--optimizers-only]
    names = [a for a in sys.argv[1:] if not a.startswith("--")] or FRAMEWORKS
    regenerate(names, variants=tuple(OPTIMIZER_RUNS) if "--optimizers-only" in sys.argv else (None, *OPTIMIZER_RUNS))
