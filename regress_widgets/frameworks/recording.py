"""Recordings of what a real framework did, step by step, and their replay by the engine.

A recording (``.npz``) holds every example the framework consumed, in order, the size
of each step's batch, its initial θ, and the θ, learning rate and loss it produced at
every step (DESIGN §2). :func:`replay` recomputes learning rates, losses and θ from the
data, θ₀ and the recipe's own conventions alone — it never reads the recorded learning
rates to do so — and reports the largest deviations.

Everything in a recording is checked once, when it is loaded (:meth:`Recording.load`): the
archive itself (:mod:`.npz`: no pickles, headers, sizes, inflation), the key set, dtypes and
shapes, the stream (:func:`~regress_widgets.recipes.data.check_stream`), finite inputs, and the meta
data's types and settings, from which :meth:`Recording.recipe` rebuilds the recipe. One rule
compares the engine with a framework (:func:`deviation`, :func:`within`, :data:`TOLERANCE`),
always in float64, for ``replay`` and ``record`` alike.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..engine.memory import check_fits, state_size
from ..engine.optimizers import Rule
from ..engine.sgd import METHODS, resolve_method, simulate, workspace_bytes
from ..engine.train import stream_landscape
from ..recipes.data import Stream, StreamError, check_stream
from ..recipes.tutorials import InvalidSetting, Recipe, get_recipe
from ..theory.landscape import Landscape
from ..theory.verdict import Verdict, blowup_step, path_verdict
from .npz import NpzError, read_npz
from .recording_meta import FRAMEWORK_NAMES, META_KEYS, TOLERANCE, RecordingError, check_meta, recording_recipe

KEYS = ("X", "y", "batch_sizes", "theta0", "theta", "lr", "loss", "meta")
__all__ = ["FRAMEWORK_NAMES", "KEYS", "META_KEYS", "TOLERANCE", "Recording", "RecordingError", "Replay", "deviation",
           "finite_rows", "recording_recipe", "replay", "within"]


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

    @cached_property
    def recipe(self) -> Recipe:
        """The recipe named in ``meta``, with the settings the framework ran with (the one way to rebuild it)."""
        return recording_recipe(self.meta, self.batch_sizes)

    @property
    def tolerance(self) -> float:
        """How close the engine must come to this framework (:data:`TOLERANCE` of its dtype)."""
        return TOLERANCE[self.meta["dtype"]]

    @cached_property
    def stream(self) -> Stream:
        return Stream(self.X, self.y, self.batch_sizes)

    @property
    def title(self) -> str:
        """'PyTorch 2.13.0+cpu', 'Caffe2 (torch 1.8.1)'."""
        name = FRAMEWORK_NAMES.get(self.meta["framework"], str(self.meta["framework"]))
        version = str(self.meta["framework_version"])
        return f"{name} {version}" if version[:1].isdigit() else f"{name} ({version})"

    @cached_property
    def landscape(self) -> Landscape:
        """The loss over every example the framework consumed (the population's when data streams)."""
        return stream_landscape(self.recipe, self.stream)

    def save(self, path) -> None:
        arrays = {k: getattr(self, k) for k in KEYS if k != "meta"}
        np.savez_compressed(path, **arrays, meta=np.array(json.dumps(self.meta, sort_keys=True, allow_nan=False)))

    @classmethod
    def load(cls, source) -> Recording:
        """Read and check a recording from a path, a :class:`Recording`, an ``np.load`` result or a dict of arrays."""
        if isinstance(source, (str, os.PathLike)):
            try:
                arrays = read_npz(source, KEYS)
            except NpzError as err:
                where = "file" if err.key == "file" else err.key
                raise RecordingError(where, f"{os.fspath(source)}: {err.problem}" if where == "file"
                                     else err.problem) from None
            return _check(arrays)
        if isinstance(source, Recording):
            return _check({k: getattr(source, k) for k in KEYS})
        try:
            arrays = dict(source)
        except (TypeError, ValueError):
            what = type(source).__name__
            raise RecordingError("file", f"expected a path or a mapping of arrays, got {what}") from None
        return _check(arrays)


# --- checks ----------------------------------------------------------------------------------------


def _array(arrays, key, ndim) -> np.ndarray:
    if key not in arrays:
        raise RecordingError(key, "missing")
    try:
        a = np.asarray(arrays[key])
    except (TypeError, ValueError) as err:
        raise RecordingError(key, f"is not an array ({err})") from None
    if a.ndim != ndim or a.dtype.kind not in "fiu":
        raise RecordingError(key, f"expected a {ndim}-d number array, got shape {a.shape} of {a.dtype}")
    return a.astype(np.float64)


def _check(arrays: dict) -> Recording:
    unknown = sorted(str(k) for k in set(arrays) - set(KEYS))
    if unknown:
        raise RecordingError(unknown[0], f"is not a recording key (expected {', '.join(KEYS)})")
    meta = check_meta(arrays)
    for key in ("X", "y", "batch_sizes"):
        if key not in arrays:
            raise RecordingError(key, "missing")
    recipe = get_recipe(meta["recipe"])
    try:
        stream = check_stream(arrays["X"], arrays["y"], arrays["batch_sizes"], recipe.dim)
    except StreamError as err:
        raise RecordingError(err.key, err.problem) from None
    X, y, sizes = stream.X.astype(np.float64), stream.y.astype(np.float64), stream.batch_sizes
    theta0, theta = _array(arrays, "theta0", 1), _array(arrays, "theta", 2)
    lr, loss = _array(arrays, "lr", 1), _array(arrays, "loss", 1)
    T, d = len(sizes), recipe.dim
    expect = {
        "theta0": (theta0.shape, (d + 1,), "d + 1 entries"),
        "theta": (theta.shape, (T + 1, d + 1), "(steps + 1, d + 1)"),
        "lr": (len(lr), T, "one per step"),
        "loss": (len(loss), T, "one per step"),
    }
    for key, (got, want, what) in expect.items():
        if got != want:
            raise RecordingError(key, f"shape {got} does not match {want}: {what}")
    if not np.isfinite(theta0).all():
        raise RecordingError("theta0", "holds NaN or infinite values")
    if not (np.isfinite(lr) & (lr >= 0)).all():
        raise RecordingError("lr", "must hold finite learning rates ≥ 0 (positive: the step is θ − lr·∇)")
    rec = Recording(X, y, sizes, theta0, theta, lr, loss, meta)
    rec.recipe  # noqa: B018 — rebuilt now, so that bad settings are refused at load
    return rec


# --- one comparison --------------------------------------------------------------------------------


def finite_rows(recorded) -> int:
    """How many leading rows (or entries) of ``recorded`` are finite: where a framework kept producing numbers."""
    a = np.asarray(recorded, dtype=np.float64)
    ok = np.isfinite(a.reshape(len(a), -1)).all(axis=1)
    return len(a) if ok.all() else int(ok.argmin())


def deviation(engine, recorded, rows: int | None = None) -> float:
    """Largest |engine − recorded| over the first ``rows`` rows (default: those the recording kept finite);
    NaN when the engine is not finite where the recording is; 0 when there is nothing to compare."""
    engine, recorded = np.asarray(engine, dtype=np.float64), np.asarray(recorded, dtype=np.float64)
    k = min(len(engine), len(recorded), finite_rows(recorded) if rows is None else rows)
    with np.errstate(all="ignore"):
        gap = np.abs(engine[:k] - recorded[:k])
    return float(np.nan if np.isnan(gap).any() else gap.max(initial=0.0))


def within(engine, recorded, tolerance: float, rows: int | None = None) -> bool:
    """Every compared value within ``tolerance · max(1, |recorded value|)`` (the rows as for :func:`deviation`)."""
    engine, recorded = np.asarray(engine, dtype=np.float64), np.asarray(recorded, dtype=np.float64)
    k = min(len(engine), len(recorded), finite_rows(recorded) if rows is None else rows)
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(engine[:k] - recorded[:k]) <= tolerance * np.maximum(1.0, np.abs(recorded[:k]))))


@dataclass(frozen=True, eq=False)
class Replay:
    """The engine's re-run of a recording, and how far it is from what the framework did."""

    recording: Recording
    theta: np.ndarray
    lr: np.ndarray
    loss: np.ndarray
    tolerance: float
    diverged_at: int | None = None
    """The first step whose engine θ or loss is not finite."""

    @property
    def framework_diverged_at(self) -> int | None:
        """The first step whose recorded loss or θ is not finite (a float32 framework overflows early)."""
        rec = self.recording
        bad = ~np.isfinite(rec.loss) | ~np.isfinite(rec.theta[1:]).all(axis=1)
        return int(bad.argmax()) + 1 if bad.any() else None

    @cached_property
    def verdict(self) -> Verdict:
        """The engine's run on the recording: converged, still moving, diverging or diverged."""
        recipe = self.recording.recipe
        return path_verdict(self.theta, self.lr, self.diverged_at, self.recording.landscape, recipe.optimizer,
                            recipe.momentum)

    @property
    def engine_blew_up(self) -> bool:
        """Where the framework stopped producing numbers, the engine had blown up too (by the verdict's rule:
        excess loss past DIVERGING_FACTOR × its start, or not finite). True when the framework never stopped."""
        k = self.framework_diverged_at
        if k is None:
            return True
        step = blowup_step(self.recording.landscape, self.theta)
        return step is not None and step <= k

    def _rows(self) -> dict[str, tuple]:
        """(engine, recorded, rows compared) for θ, lr and loss: up to where the framework stopped producing numbers."""
        rec = self.recording
        k = self.framework_diverged_at or len(rec.lr) + 1
        return {"theta": (self.theta, rec.theta, k), "lr": (self.lr, rec.lr, len(rec.lr)),
                "loss": (self.loss, rec.loss, k - 1)}

    @property
    def deviations(self) -> dict[str, float]:
        """Largest absolute difference of θ, lr and loss, over the steps the framework kept finite."""
        return {name: deviation(*rows) for name, rows in self._rows().items()}

    @property
    def ok(self) -> bool:
        """Every value within ``tolerance`` · max(1, |recorded value|) where the framework kept finite, and the
        engine blowing up too wherever the framework stopped producing numbers."""
        close = all(within(a, b, self.tolerance, k) for a, b, k in self._rows().values())
        return close and self.engine_blew_up

    def summary(self) -> dict:
        meta = self.recording.meta
        verdict = self.verdict
        return {
            "framework": meta["framework"], "framework_version": meta["framework_version"],
            "recipe": meta["recipe"], "seed": meta["seed"], "dtype": meta["dtype"], "steps": len(self.lr),
            "max_abs_dtheta": self.deviations["theta"], "max_abs_dlr": self.deviations["lr"],
            "max_abs_dloss": self.deviations["loss"], "tolerance": self.tolerance, "ok": self.ok,
            "framework_diverged_at": self.framework_diverged_at, "engine_blew_up": self.engine_blew_up,
            "status": verdict.kind, "diverging_at": verdict.diverging_at, "engine_diverged_at": self.diverged_at,
            **self.recording.recipe.optimizer_settings,
        }

    def plot(self, figsize=None):
        """The framework's recorded path and the engine's replay over it, and their gap step by step (a Figure)."""
        from .replay_plot import plot_replay  # matplotlib only when a picture is asked for

        return plot_replay(self) if figsize is None else plot_replay(self, figsize=figsize)


def replay(source, *, tolerance: float | None = None, method: str = "auto") -> Replay:
    """Re-run a recording (a path, a :class:`Recording` or a dict of arrays) with the engine, in float64."""
    if method not in METHODS:
        raise InvalidSetting("method", f"one of {', '.join(METHODS)}", method)
    if tolerance is not None and (isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real)
                                  or not 0 <= tolerance < math.inf):
        raise InvalidSetting("tolerance", "a finite number ≥ 0 (or None: the framework dtype's)", tolerance)
    rec = Recording.load(source)
    recipe = rec.recipe
    T, (S, d) = len(rec.batch_sizes), rec.X.shape
    method = resolve_method(method)
    check_fits("steps", f"the replay of {T:,} steps over {S:,} examples",
               workspace_bytes(S, d, T, 1, method=method, itemsize=8, keep_path=True, state=state_size(recipe)))
    lr = recipe.learning_rates(T)
    theta, loss, diverged = simulate(rec.X, rec.y, rec.batch_sizes, rec.theta0[None], lr[None],
                                     recipe.loss_scale, method=method, rule=Rule.of([recipe]))
    tol = rec.tolerance if tolerance is None else tolerance
    return Replay(rec, theta[0], lr, loss[0], tol, int(diverged[0]) or None)
