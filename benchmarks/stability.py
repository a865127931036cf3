"""Stability-map benchmarks (issue 15): every time and ratio is measured in this one run, on this machine.

    python benchmarks/stability.py [--quick] [--repeats 3]

Rows (medians of repeats after a warm-up that loads numba's cached machine code; the map's cache is cleared
before each timed call). Times are this process's CPU time (``time.process_time``; the engine runs on one core):
on a machine shared with other work, wall-clock time counts their share too.

* a 40 × 40 map, 4 seeds a cell (6,400 runs), PyTorch recipe (target ≤ 1 s) and MXNet recipe at 2 epochs a run
  (target ≤ 5 s): the grid of runs, the two limit curves, and the whole ``stability_map`` call, against the same
  cells as single ``train`` calls in a loop (all of them for PyTorch; for MXNet a sample of cells, scaled up);
* a sweep of 1,000 seeds × 25,000 MXNet steps, each its own dataset (target ≤ 3 s): the engine reading each
  dataset through its visiting order, against gathering every stream first (how sweeps ran before);
* with cupy and a GPU: the maps on the GPU against the CPU (target ≥ 10×); otherwise the reason it is skipped.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import regress_widgets as rw  # noqa: E402
from regress_widgets.data import batch_sizes, initial_theta, make_stream  # noqa: E402
from regress_widgets.engine import _simulate_rows  # noqa: E402

sm = importlib.import_module("regress_widgets.stability_map")  # the module (rw.stability_map is its function)


def median_time(fn, repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:8.1f} ms" if seconds < 1 else f"{seconds:8.2f} s "


def row(name: str, seconds: float, versus: str = "") -> None:
    print(f"  {name:<70} {fmt(seconds):>12}  {versus}", flush=True)


def check(seconds: float, limit: float) -> str:
    return f"target ≤ {limit:g} s: {'yes' if seconds <= limit else 'NO'}"


def fresh_map(name, backend="numpy", **kw):
    sm._CACHE.clear()
    return sm.stability_map(name, backend=backend, **kw)


def bench_map(name: str, settings: dict, target: float, repeats: int, n: int, sample: int | None) -> None:
    extra = f" {settings}" if settings else ""
    print(f"{name} recipe: a {n} × {n} map, 4 seeds a cell ({n * n * 4:,} runs){extra}")
    grid = fresh_map(name, n=n, **settings)
    st = rw.Stability.for_recipe(grid.recipe, 0)
    st._shuffled.clear()
    total = median_time(lambda: fresh_map(name, n=n, **settings), repeats, warmup=0)
    curves = median_time(lambda: sm.limit_curves(grid.recipe, grid.y, grid.y_values), repeats, warmup=0)
    row("stability_map(...): runs, verdicts and both limit curves", total, check(total, target))
    row("  of which the two limit curves (cached after the first map)", curves)
    row("  the grid of runs alone", max(total - curves, 0.0), check(max(total - curves, 0.0), target))
    cells = [(r, c) for r in range(len(grid.y_values)) for c in range(len(grid.x_values))]
    if sample is not None:
        rng = np.random.default_rng(0)
        cells = [cells[i] for i in rng.choice(len(cells), size=min(sample, len(cells)), replace=False)]
    start = time.process_time()
    for r, c in cells:
        for seed in grid.seeds:
            rw.train(name, seed=seed, **{**settings, **grid.settings_at(r, c)}).status  # noqa: B018
    loop = (time.process_time() - start) * (len(grid.y_values) * len(grid.x_values) / len(cells))
    est = " (est. from a sample)" if sample is not None else ""
    row(f"the same cells as single train() calls in a loop{est}", loop, f"map {loop / total:5.1f}× faster")


def gathered_sweep(seeds) -> None:
    """How a sweep of seeds ran before: every run's stream gathered (make_stream), then the compiled loop."""
    recipe = rw.RECIPES["mxnet"]
    lr = recipe.learning_rates()[None]
    for seed in seeds:
        stream = make_stream(recipe, seed)
        _simulate_rows(np, stream.X, stream.y, batch_sizes(recipe), initial_theta(recipe, seed)[None], lr, 1.0,
                       "float64", "compiled", False)


def bench_seeds(runs: int) -> None:
    print(f"a sweep of {runs:,} seeds × 25,000 MXNet steps, each its own dataset")
    rw.sweep("mxnet", seed=range(2))
    new = median_time(lambda: rw.sweep("mxnet", seed=range(runs)), 3, warmup=0)
    old = median_time(lambda: gathered_sweep(range(runs)), 3, warmup=0)
    row("each stream gathered first (make_stream, as before)", old, "1×")
    row("rw.sweep: the dataset read through its visiting order", new,
        f"{old / new:5.2f}× faster; " + check(new * 1000 / runs, 3.0) + (" (scaled to 1,000)" if runs != 1000 else ""))


def bench_gpu(n: int) -> None:
    print("the maps on the GPU (cupy) against the CPU")
    try:
        rw.engine.get_xp("cupy")
    except rw.InvalidSetting as err:
        print(f"  skipped: {err}")
        return
    for name, settings in (("pytorch", {}), ("mxnet", {"epochs": 2})):
        fresh_map(name, backend="cupy", n=4, **settings)
        cpu = median_time(lambda nm=name, s=settings: fresh_map(nm, n=n, **s), 1, warmup=0)
        gpu = median_time(lambda nm=name, s=settings: fresh_map(nm, backend="cupy", n=n, **s), 1, warmup=0)
        row(f"{name}: numpy (compiled)", cpu)
        row(f"{name}: cupy", gpu, f"{cpu / gpu:5.1f}× the CPU; target ≥ 10×: {'yes' if cpu / gpu >= 10 else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a 20 × 20 map and 100 seeds")
    args = parser.parse_args()
    n = 20 if args.quick else 40
    bench_map("pytorch", {}, 1.0, args.repeats, n, None)
    bench_map("mxnet", {"epochs": 2}, 5.0, args.repeats, n, 60)
    bench_seeds(100 if args.quick else 1000)
    bench_gpu(n)


if __name__ == "__main__":
    main()
