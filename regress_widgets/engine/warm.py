"""Fill numba's cache where an image is built, so that a student's first compiled run loads machine code instead of
compiling it: ``python -m regress_widgets.engine.warm`` (binder/postBuild runs it; a hub image's Dockerfile can).

It compiles every loop the tutorials, their Labs, replays and sweeps use, in float64 and float32, one and two
inputs, and the stability limits' epoch maps. The cache goes next to the package's source when that folder is
writable, else to ``NUMBA_CACHE_DIR`` or the user's cache folder (:mod:`regress_widgets.theory.numba_cache`):
run it as the user the kernels run as (or set ``NUMBA_CACHE_DIR`` for both). Prints what it did.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def warm() -> list[str]:
    from ..recipes.tutorials import RECIPES
    from ..theory.numba_cache import cache_dir
    from ..theory.stability import Stability
    from .sweep import sweep
    from .train import train

    done = []
    for name in RECIPES:
        for dtype in ("float64", "float32"):
            started = time.perf_counter()
            train(name, method="compiled", dtype=dtype, epochs=1) if not RECIPES[name].streaming else \
                train(name, method="compiled", dtype=dtype, steps=2)
            done.append(f"{name} {dtype}: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    sweep("pytorch", lr=[0.01, 0.02], seed=range(2))
    sweep("mxnet", lr=[1e-4], seed=range(2), epochs=1)
    done.append(f"sweeps: {time.perf_counter() - started:.2f} s")
    from ..theory.epoch_maps_compiled import epoch_maps

    started = time.perf_counter()
    st = Stability.for_recipe("pytorch", 0)
    for optimizer, momentum in (("sgd", 0.0), ("sgd", 0.9)):
        a0, c = st._coefficients(np.array([0.01]), optimizer, momentum)
        H = st._shuffled_hessians(25)
        epoch_maps(H, a0, c, np.empty((1, H.shape[0], c.shape[1] * H.shape[2], c.shape[1] * H.shape[2])))
    done.append(f"epoch maps: {time.perf_counter() - started:.2f} s")
    done.append(f"cache: {cache_dir() or 'next to the source (the package folder is writable)'}")
    return done


def main() -> int:
    for line in warm():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
