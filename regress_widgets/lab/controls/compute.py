"""From settings to a run: data, streams and landscapes cached, so a change recomputes only what it touches.

lr, γ and stepsize re-run the engine on the same data; batch size and run length re-cut the same data into
a new stream; noise and seed make new data and a new loss surface. With the real framework's run shown,
the data, batches and start are the recording's.
"""

from __future__ import annotations

import numpy as np

from ...engine.train import Run, train
from ...recipes.byte_cache import ByteCache
from ...recipes.data import make_dataset, make_stream
from ...recipes.tutorials import Recipe
from ...theory.landscape import Landscape
from .real_run import RealRun
from .release import after_change

DATA_BYTES = 12 * 2**20
"""Datasets and loss surfaces a Lab keeps (by seed and noise), in bytes (MXNet's 10,000 examples: about 0.3 MB)."""
STREAM_BYTES = 16 * 2**20
"""Streams (the data in the order SGD visits it) a Lab keeps, in bytes (MXNet's 25,000 batches: about 2.4 MB)."""
DECAY_BYTES = 4 * 2**20
"""Loss surfaces with weight decay a Lab keeps, in bytes."""


class Runner:
    """Runs the engine for a Lab, keeping the last few datasets and streams (bounded by bytes and by count)."""

    def __init__(self):
        self._data = ByteCache(DATA_BYTES, count=4)
        self._decays = ByteCache(DECAY_BYTES, count=6)
        self._streams = ByteCache(STREAM_BYTES, count=6)

    def data(self, recipe: Recipe, seed: int):
        """(dataset or None, landscape) for the recipe's data: new only when noise or seed change."""
        def make():
            if recipe.streaming:
                return None, Landscape.population(recipe)
            if recipe.data is not None:  # your own data: its moments, no copy of it
                return make_dataset(recipe, seed), Landscape.of_own_data(recipe).with_weight_decay(0.0)
            dataset = make_dataset(recipe, seed)
            return dataset, Landscape.of_examples(recipe, dataset.X, dataset.y)

        return self._data.get_or((recipe.name, recipe.n_examples, seed, recipe.noise, recipe.data), make)

    def _decayed(self, landscape: Landscape, weight_decay: float) -> Landscape:
        """The surface with weight decay λ (its optimum and Hessian move): made once per λ and data."""
        # the key holds the landscape itself (hashed by identity), so it stays alive as long as its variant
        return self._decays.get_or((landscape, weight_decay), lambda: landscape.with_weight_decay(weight_decay))

    def run(self, recipe: Recipe, seed: int, real: RealRun | None = None) -> tuple[Run, Landscape]:
        """The run of ``recipe`` (already valid) and the landscape it descends."""
        after_change()  # the memory it frees goes back to the system once the class pauses
        if real is not None:  # the data, batches and start the real framework drew
            with np.errstate(all="ignore"):
                run = train(recipe, seed=real.seed, stream=real.stream, theta0=real.recording.theta0)
            return run, self._decayed(real.landscape, recipe.weight_decay)
        dataset, landscape = self.data(recipe, seed)
        landscape = self._decayed(landscape, recipe.weight_decay)
        key = (recipe.name, recipe.n_examples, seed, recipe.noise, recipe.data, recipe.batch_size, recipe.total_steps)
        stream = self._streams.get_or(key, lambda: make_stream(recipe, seed, dataset))
        with np.errstate(all="ignore"):
            run = train(recipe, seed=seed, stream=stream)
        return run, landscape
