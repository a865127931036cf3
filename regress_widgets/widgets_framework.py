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

from .data import Stream
from .landscape import Landscape
from .recipes import RECIPES, Recipe
from .recording import Recording

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
    from .frameworks.record import shipped

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
        landscape = Landscape.from_data(rec.X[:n], rec.y[:n], recipe.loss_scale, recipe.param_names)
    return RealRun(rec, recipe, Stream(rec.X, rec.y, rec.batch_sizes), landscape)


class FrameworkToggle:
    """The Lab's "real … run" box, a part of :class:`~regress_widgets.widgets.Lab`: it reads and sets the Lab's
    recipe, seed, run, panels and controls, and recomputes through ``Lab._apply``."""

    def _build_framework(self) -> None:
        import ipywidgets as W

        self.controls["framework"] = box = W.Checkbox(value=False, description="real run", indent=False,
                                                      layout=W.Layout(width="auto"))
        box.tooltip = "train on the data the real framework drew, and draw its recorded path beside the engine's"
        self.framework_info = W.HTML()
        self._own_recipe: Recipe | None = None  # the Lab's own settings, to go back to when the box is unticked
        box.observe(self._on_framework, names="value")

    @property
    def real(self) -> RealRun | None:
        """The real framework's run on show, or None."""
        return real_run(self.recipe.name) if self.controls["framework"].value else None

    def _real_recipe(self, recipe: Recipe) -> Recipe:
        """``recipe``'s lr, γ and stepsize on the recording's data (its batch size, noise and length)."""
        return real_run(recipe.name).recipe.with_settings(**{k: getattr(recipe, k) for k in FREE})

    def _on_framework(self, change) -> None:
        if self._syncing:
            return
        self._say()
        on = change["new"]
        if on:
            self._own_recipe = self.recipe
            recipe = self._real_recipe(self.recipe)
        else:
            own = self._own_recipe if self._own_recipe is not None else self._tutorial
            recipe = own.with_settings(**{k: getattr(self.recipe, k) for k in FREE})
            self._own_recipe = None
        self._lock_fixed(on)
        self._apply(recipe, self.seed)
        self._sync_controls()

    def _lock_fixed(self, on: bool) -> None:
        """Disable the controls a recording fixes (or enable them again), and say why."""
        for name in FIXED:
            self.controls[name].disabled = on
        self.controls["framework"].disabled = not available(self.recipe)

    def _framework_on_switch(self, recipe: Recipe) -> Recipe:
        """A new recipe: label the box for its framework; with the box ticked, the recipe on its recording."""
        box = self.controls["framework"]
        ok = available(recipe)
        self._syncing = True
        try:
            if ok:
                box.description = f"real {real_run(recipe.name).title} run"
            else:
                box.value = False
                box.description = "real run (none recorded for this recipe)"
            box.disabled = not ok
        finally:
            self._syncing = False
        if box.value:
            self._own_recipe = recipe
            recipe = self._real_recipe(recipe)
        self._lock_fixed(box.value)
        return recipe

    def _refuse_fixed(self, values: dict) -> None:
        """Refuse a setting the recording fixes (InvalidSetting names it)."""
        from .recipes import InvalidSetting

        fixed = [n for n in values if n in FIXED]
        if fixed and self.controls["framework"].value:
            raise InvalidSetting(fixed[0], f"the recording's while the real {self.real.title} run is shown "
                                 "(untick it to change batch size, noise, seed or run length)", values[fixed[0]])

    def _show_framework(self) -> None:
        """The framework's path on the panels and how far the engine's is from it (or nothing)."""
        real = self.real
        if real is None:
            if self.panels.reference is not None:
                self.panels.clear_reference()
            self.framework_info.value = ""
            return
        self.panels.set_reference(real.recording.theta, real.label(self.recipe, compact=self.panels.layout.compact))
        note = ("<div style='color:#555'>batch size, noise, seed and run length are fixed: they are the "
                "recording's (the data the real framework drew)</div>")
        self.framework_info.value = real.readout(self.recipe, self.run.theta) + note

    @property
    def framework_deviation(self) -> float | None:
        """Largest |θ engine − θ real framework| now shown; None when off or the settings differ from its own."""
        real = self.real
        if real is None or not real.same_settings(self.recipe):
            return None
        return real.deviation(self.run.theta)
