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

from ...frameworks.recording import Recording, deviation, within
from ...recipes.data import Stream
from ...recipes.settings import OPTIMIZER_SETTINGS
from ...recipes.tutorials import RECIPES, Recipe
from ...theory.landscape import Landscape
from ...words import ENGLISH, Words

FIXED = ("batch_size", "noise", "seed", "steps", "epochs")
"""The controls a recording fixes: it is one draw of data, of one length, cut into batches of one size."""
FREE = ("lr", "gamma", "stepsize", *OPTIMIZER_SETTINGS)
"""The settings the Lab may change on the recording's data (the paths agree only at the recording's own)."""


@dataclass(frozen=True, eq=False)
class RealRun:
    """A shipped recording, made ready for the Lab: its recipe, stream, start θ₀ and landscape."""

    recording: Recording

    @property
    def recipe(self) -> Recipe:
        """The tutorial's recipe with the recording's settings (its batch size, noise, length, lr, γ, stepsize)."""
        return self.recording.recipe

    @property
    def stream(self) -> Stream:
        return self.recording.stream

    @property
    def landscape(self) -> Landscape:
        return self.recording.landscape

    @property
    def seed(self) -> int:
        return int(self.recording.meta["seed"])

    @property
    def title(self) -> str:
        return self.recording.title

    def on_its_data(self, recipe: Recipe) -> Recipe:
        """``recipe``'s lr, γ and stepsize on the recording's data (its batch size, noise and length)."""
        return self.recipe.with_settings(**{k: getattr(recipe, k) for k in FREE})

    def same_settings(self, recipe: Recipe) -> bool:
        """True when ``recipe``'s lr, γ and stepsize are the recording's (so the two paths should agree)."""
        return all(getattr(recipe, k) == getattr(self.recipe, k) for k in FREE)

    def label(self, recipe: Recipe, compact: bool = False, w: Words = ENGLISH) -> str:
        """The legend entry of the framework's path for a run of ``recipe`` (in the language of ``w``)."""
        if self.same_settings(recipe):
            return w("real {framework}", framework=self.title)
        return w("real {framework}{gap}at the tutorial's settings", framework=self.title,
                 gap=chr(10) if compact else " ")

    def deviation(self, theta: np.ndarray) -> float:
        """Largest |θ engine − θ framework| over the steps the framework kept finite (NaN: none comparable)."""
        return deviation(theta, self.recording.theta)

    def readout(self, recipe: Recipe, theta: np.ndarray, w: Words = ENGLISH) -> str:
        """HTML: how far the engine's path is from the framework's, or why they are not compared; then which
        settings are the recording's."""
        fixed = ("<div style='color:#555'>" + w("batch size, noise, seed and run length are fixed: they are the "
                                                "recording's (the data the real framework drew)") + "</div>")
        return self._gap(recipe, theta, w) + fixed

    def _gap(self, recipe: Recipe, theta: np.ndarray, w: Words) -> str:
        name = html.escape(self.title)
        if not self.same_settings(recipe):
            theirs = ", ".join(f"{k} {_word(getattr(self.recipe, k))}" for k in FREE
                               if k in ("lr", "gamma", "stepsize") or getattr(recipe, k) != getattr(self.recipe, k))
            return ("<div style='color:#b35c00'>" + w("The orange path is the real {framework} at the tutorial's "
                                                      "settings ({theirs}); yours differ, so the two paths part ways.",
                                                      framework=name, theirs=theirs) + "</div>")
        tol = self.recording.tolerance
        gap, same = self.deviation(theta), within(theta, self.recording.theta, tol)
        color = "#2ca02c" if same else "#d62728"
        return ("<div>" + w("engine vs real {framework}: largest |θ difference| <b style='color:{color}'>{gap}</b> "
                            "over {n} steps — {verdict} ({dtype} tolerance {tol})", framework=name, color=color,
                            gap=f"{gap:.1e}", n=f"{len(theta) - 1:,}",
                            verdict=w("the same path") if same else w("they differ"),
                            dtype=self.recording.meta["dtype"], tol=f"{tol:g}") + "</div>")


def _word(value) -> str:
    return value if isinstance(value, str) else f"{value:g}"


def available(recipe: Recipe) -> bool:
    """Whether a real framework's recording ships, readable, for this recipe (one of the three tutorials)."""
    if recipe.name not in RECIPES or RECIPES[recipe.name] != recipe:
        return False
    try:
        real_run(recipe.name)
    except (OSError, ValueError):  # RecordingError is a ValueError: a broken install shows no box, not a crash
        return False
    return True


@cache
def real_run(name: str) -> RealRun:
    """The shipped recording of ``name``'s tutorial (loaded once per process)."""
    from ...frameworks.record import shipped

    return RealRun(Recording.load(shipped(name)))
