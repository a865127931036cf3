"""The real framework's run in the Lab: its recorded data, start and path, shipped with the package.

With the "real … run" box ticked the Lab trains on exactly what the real framework consumed (the
recording's examples, batches and θ₀) with the Lab's lr, γ and stepsize, draws the framework's recorded
path beside the engine's, and says how far apart they are while the settings are the recording's own.
Batch size, noise, seed and run length are the recording's: those controls are disabled meanwhile.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache

import numpy as np

from ..data import Stream
from ..landscape import Landscape
from ..recipes import RECIPES, Recipe
from ..recording import Recording

FIXED = ("batch_size", "noise", "seed", "steps", "epochs")
"""The controls a recording fixes: it is one draw of data, of one length, cut into batches of one size."""
FREE = ("lr", "gamma", "stepsize")
NAMES = {"caffe2": "Caffe2", "mxnet": "MXNet", "pytorch": "PyTorch"}


@dataclass(frozen=True, eq=False)
class RealRun:
    """A shipped recording, made ready for the Lab: its recipe, stream, start θ₀ and landscape."""

    recording: Recording
    recipe: Recipe
    """The tutorial's recipe with the recording's settings (its batch size, noise, length, lr, γ, stepsize)."""
    stream: Stream
    landscape: Landscape
    """Fixed data: the loss over the recording's first epoch (the whole dataset); streaming: the population."""

    @property
    def seed(self) -> int:
        return int(self.recording.meta["seed"])

    @property
    def title(self) -> str:
        meta = self.recording.meta
        name, version = NAMES.get(meta["framework"], meta["framework"]), str(meta["framework_version"])
        return f"{name} {version}" if version[:1].isdigit() else f"{name} ({version})"  # Caffe2 (torch 1.8.1)

    def on_its_data(self, recipe: Recipe) -> Recipe:
        """``recipe``'s lr, γ and stepsize on the recording's data (its batch size, noise and length)."""
        return self.recipe.with_settings(**{k: getattr(recipe, k) for k in FREE})

    def same_settings(self, recipe: Recipe) -> bool:
        """True when ``recipe``'s lr, γ and stepsize are the recording's (so the two paths should agree)."""
        return all(getattr(recipe, k) == getattr(self.recipe, k) for k in FREE)

    def label(self, recipe: Recipe, compact: bool = False) -> str:
        """The legend entry of the framework's path for a run of ``recipe``."""
        if self.same_settings(recipe):
            return f"real {self.title}"
        return f"real {self.title}{chr(10) if compact else ' '}at the tutorial's settings"

    def deviation(self, theta: np.ndarray) -> float:
        """Largest |θ engine − θ framework| over the steps the framework kept finite (NaN: none comparable)."""
        rec = self.recording.theta
        k = min(len(theta), len(rec))
        ok = np.isfinite(rec[:k]).all(axis=1)
        stop = int(ok.argmin()) if not ok.all() else k
        with np.errstate(all="ignore"):
            return float(np.abs(theta[:stop] - rec[:stop]).max(initial=0.0))

    def readout(self, recipe: Recipe, theta: np.ndarray) -> str:
        """HTML: how far the engine's path is from the framework's, or why they are not compared."""
        name = html.escape(self.title)
        if not self.same_settings(recipe):
            theirs = ", ".join(f"{k} {getattr(self.recipe, k):g}" for k in FREE)
            return (f"<div style='color:#b35c00'>The orange path is the real {name} at the tutorial's settings "
                    f"({theirs}); yours differ, so the two paths part ways.</div>")
        gap = self.deviation(theta)
        tol = 1e-4 if self.recording.meta["dtype"] == "float32" else 1e-10
        verdict = "the same path" if gap <= tol else "they differ"
        color = "#2ca02c" if gap <= tol else "#d62728"
        return (f"<div>engine vs real {name}: largest |θ difference| <b style='color:{color}'>{gap:.1e}</b> "
                f"over {len(theta) - 1:,} steps — {verdict} ({self.recording.meta['dtype']} tolerance {tol:g})</div>")


def available(recipe: Recipe) -> bool:
    """Whether a real framework's recording ships, readable, for this recipe (one of the three tutorials)."""
    if recipe.name not in RECIPES or recipe.name not in NAMES:
        return False
    try:
        real_run(recipe.name)
    except (OSError, ValueError):  # RecordingError is a ValueError: a broken install shows no box, not a crash
        return False
    return True


@cache
def real_run(name: str) -> RealRun:
    """The shipped recording of ``name``'s tutorial (loaded once per process)."""
    from ..frameworks.record import shipped

    rec = Recording.load(shipped(name))
    tutorial = RECIPES[name]
    settings = dict(rec.meta.get("settings", {}))
    length = {"steps": settings["steps"]} if tutorial.streaming else {"epochs": settings["epochs"]}
    recipe = tutorial.with_settings(**{k: settings[k] for k in (*FREE, "batch_size", "noise")}, **length)
    if recipe.total_steps != len(rec.batch_sizes):
        raise ValueError(f"the {name} recording has {len(rec.batch_sizes)} steps, its settings say "
                         f"{recipe.total_steps}")
    if recipe.streaming:
        landscape = Landscape.population(recipe)
    else:
        n = recipe.n_examples  # the first epoch visits every example once
        landscape = Landscape.of_examples(recipe, rec.X[:n], rec.y[:n])
    return RealRun(rec, recipe, Stream(rec.X, rec.y, rec.batch_sizes), landscape)
