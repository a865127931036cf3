"""Recordings of what a real framework did, step by step, and their replay by the engine.

A recording (``.npz``) holds every example the framework consumed, in order, the size
of each step's batch, its initial θ, and the θ, learning rate and loss it produced at
every step (DESIGN §2). :func:`replay` recomputes learning rates, losses and θ from the
data, θ₀ and the recipe's own conventions alone — it never reads the recorded learning
rates to do so — and reports the largest deviations.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

from .engine import check_seed
from .recipes import SETTINGS, InvalidSetting, Recipe, get_recipe
from .sgd import simulate

KEYS = ("X", "y", "batch_sizes", "theta0", "theta", "lr", "loss", "meta")
META_KEYS = ("framework", "framework_version", "recipe", "seed", "dtype", "python")
TOLERANCE = {"float32": 1e-4, "float64": 1e-10}


class RecordingError(ValueError):
    """A recording that cannot be replayed; ``key`` names the part that is wrong."""

    def __init__(self, key: str, problem: str):
        self.key = key
        super().__init__(f"recording key {key!r}: {problem}")


@dataclass(frozen=True, eq=False)
class Recording:
    X: np.ndarray
    y: np.ndarray
    batch_sizes: np.ndarray
    theta0: np.ndarray
    theta: np.ndarray
    lr: np.ndarray
    loss: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def recipe(self) -> Recipe:
        """The recipe named in ``meta``, with the settings the framework ran with."""
        settings = {k: v for k, v in self.meta.get("settings", {}).items() if k in SETTINGS}
        settings.pop("epochs", None)
        settings["steps"] = len(self.batch_sizes)
        if not get_recipe(self.meta["recipe"]).streaming:
            settings["batch_size"] = int(self.batch_sizes.max())
        else:
            settings["batch_size"] = int(self.batch_sizes[0])
        return get_recipe(self.meta["recipe"]).with_settings(**settings)

    def save(self, path) -> None:
        arrays = {k: getattr(self, k) for k in KEYS if k != "meta"}
        np.savez_compressed(path, **arrays, meta=np.array(json.dumps(self.meta, sort_keys=True)))

    @classmethod
    def load(cls, source) -> Recording:
        """Read and check a recording from a path, an open ``np.load`` result or a dict of arrays."""
        if isinstance(source, (str, os.PathLike)):
            try:
                with open(source, "rb") as file:  # closed whatever np.load makes of it
                    loaded = np.load(file, allow_pickle=False)
                    if not isinstance(loaded, np.lib.npyio.NpzFile):
                        raise ValueError("it holds a single array, not an .npz archive")
                    with loaded as npz:
                        arrays = {k: npz[k] for k in npz.files}
            except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
                raise RecordingError("file", f"{source} is not a readable .npz recording ({err})") from None
            return _check(arrays)
        return _check(dict(source))


def _array(arrays, key, ndim, kind="f"):
    if key not in arrays:
        raise RecordingError(key, "missing")
    a = np.asarray(arrays[key])
    if a.ndim != ndim or a.dtype.kind not in ("iu" if kind == "i" else "fiu"):
        raise RecordingError(key, f"expected a {ndim}-d {'integer' if kind == 'i' else 'number'} array, "
                                  f"got shape {a.shape} of {a.dtype}")
    if kind == "f":
        a = a.astype(np.float64)
    return a


def _check(arrays: dict) -> Recording:
    meta = _meta(arrays)
    X, y = _array(arrays, "X", 2), _array(arrays, "y", 1)
    sizes = _array(arrays, "batch_sizes", 1, kind="i").astype(np.int64)
    theta0, theta = _array(arrays, "theta0", 1), _array(arrays, "theta", 2)
    lr, loss = _array(arrays, "lr", 1), _array(arrays, "loss", 1)
    S, d = X.shape
    T = len(sizes)
    recipe = get_recipe(meta["recipe"])
    if d != recipe.dim:
        raise RecordingError("X", f"has {d} columns, recipe {recipe.name} has {recipe.dim} inputs")
    expect = {
        "y": (len(y), S, "one label per row of X"),
        "theta0": (theta0.shape, (d + 1,), "d + 1 entries"),
        "theta": (theta.shape, (T + 1, d + 1), "(steps + 1, d + 1)"),
        "lr": (len(lr), T, "one per step"),
        "loss": (len(loss), T, "one per step"),
    }
    for key, (got, want, what) in expect.items():
        if got != want:
            raise RecordingError(key, f"shape {got} does not match {want}: {what}")
    if T == 0 or (sizes < 1).any() or sizes.sum() != S:
        raise RecordingError("batch_sizes", f"must be ≥ 1 each and sum to the {S} rows of X")
    for key, a in (("X", X), ("y", y), ("theta0", theta0)):
        if not np.isfinite(a).all():
            raise RecordingError(key, "holds NaN or infinite values")
    if not (np.isfinite(lr) & (lr >= 0)).all():
        raise RecordingError("lr", "must hold finite learning rates ≥ 0 (positive: the step is θ − lr·∇)")
    return Recording(X, y, sizes, theta0, theta, lr, loss, meta)


def _meta(arrays) -> dict:
    if "meta" not in arrays:
        raise RecordingError("meta", "missing")
    raw = arrays["meta"]
    try:
        meta = json.loads(raw.item() if isinstance(raw, np.ndarray) else raw)
    except (TypeError, ValueError):
        raise RecordingError("meta", "is not a JSON string") from None
    if not isinstance(meta, dict):
        raise RecordingError("meta", "is not a JSON object")
    missing = [k for k in META_KEYS if k not in meta]
    if missing:
        raise RecordingError("meta", f"lacks {', '.join(missing)}")
    try:
        get_recipe(meta["recipe"])
        check_seed(meta["seed"])
    except InvalidSetting as err:
        raise RecordingError("meta", str(err)) from None
    if meta["dtype"] not in TOLERANCE:
        raise RecordingError("meta", f"dtype must be one of {', '.join(TOLERANCE)}, got {meta['dtype']!r}")
    return meta


@dataclass(frozen=True, eq=False)
class Replay:
    """The engine's re-run of a recording, and how far it is from what the framework did."""

    recording: Recording
    theta: np.ndarray
    lr: np.ndarray
    loss: np.ndarray
    tolerance: float

    @property
    def framework_diverged_at(self) -> int | None:
        """The first step whose recorded loss or θ is not finite (a float32 framework overflows early)."""
        rec = self.recording
        bad = ~np.isfinite(rec.loss) | ~np.isfinite(rec.theta[1:]).all(axis=1)
        return int(bad.argmax()) + 1 if bad.any() else None

    def _pairs(self):
        """(engine, recorded) for θ, lr and loss, up to where the framework stopped producing numbers."""
        rec = self.recording
        k = self.framework_diverged_at or len(rec.lr) + 1
        return {
            "theta": (self.theta[:k], rec.theta[:k]),
            "lr": (self.lr, rec.lr),
            "loss": (self.loss[: k - 1], rec.loss[: k - 1]),
        }

    @property
    def deviations(self) -> dict[str, float]:
        """Largest absolute difference of θ, lr and loss, over the steps the framework kept finite."""
        return {name: _max_abs(*pair) for name, pair in self._pairs().items()}

    @property
    def ok(self) -> bool:
        """Every value within ``tolerance`` · max(1, |recorded value|)."""
        return all(_within(*pair, self.tolerance) for pair in self._pairs().values())

    def summary(self) -> dict:
        meta = self.recording.meta
        return {
            "framework": meta["framework"], "framework_version": meta["framework_version"],
            "recipe": meta["recipe"], "seed": meta["seed"], "steps": len(self.lr),
            "max_abs_dtheta": self.deviations["theta"], "max_abs_dlr": self.deviations["lr"],
            "max_abs_dloss": self.deviations["loss"], "tolerance": self.tolerance, "ok": self.ok,
            "framework_diverged_at": self.framework_diverged_at,
        }


def _diff(a, b):
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        return np.where(both_nan, 0.0, np.abs(a - b))


def _max_abs(a, b) -> float:
    d = _diff(a, b)
    return float(np.nan if np.isnan(d).any() else d.max(initial=0.0))


def _within(a, b, tol) -> bool:
    d = _diff(a, b)
    return bool(np.all(d <= tol * np.maximum(1.0, np.abs(b))))


def replay(source, *, tolerance: float | None = None, method: str = "auto") -> Replay:
    """Re-run a recording (a path, a :class:`Recording` or a dict of arrays) with the engine."""
    rec = source if isinstance(source, Recording) else Recording.load(source)
    recipe = rec.recipe
    lr = recipe.learning_rates(len(rec.batch_sizes))
    theta, loss, _ = simulate(rec.X, rec.y, rec.batch_sizes, rec.theta0[None], lr[None],
                              recipe.loss_scale, method=method)
    tol = TOLERANCE[rec.meta["dtype"]] if tolerance is None else tolerance
    return Replay(rec, theta[0], lr, loss[0], tol)
