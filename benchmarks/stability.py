"""Stability-map benchmarks (issue 15): every time and ratio is measured in this one run, on this machine.

    python benchmarks/stability.py [--quick] [--repeats 3] [--only maps|seeds|gpu]

Rows (medians of repeats after a warm-up that loads numba's cached machine code; the map's cache is cleared
before each timed call). The maps' times are this process's CPU time (``time.process_time``; they run on one
core): on a machine shared with other work, wall-clock time counts their share too. The seed sweep runs on
every core, so its times are wall-clock time (CPU time and the load average printed beside).

* a 40 × 40 map, 4 seeds a cell (6,400 runs), PyTorch recipe (target ≤ 1 s) and MXNet recipe at 2 epochs a run
  (target ≤ 5 s): the grid of runs, the two limit curves, and the whole ``stability_map`` call, against the same
  cells as single ``train`` calls in a loop (all of them for PyTorch; for MXNet a sample of cells, scaled up);
* a sweep of 1,000 seeds × 25,000 MXNet steps, each its own dataset (target ≤ 3 s of wall-clock time on the
  machine's cores): ``rw.sweep`` on every core and on one, against the same sweep with numpy's shuffles on one
  thread (how it ran before) and gathering every stream first (before that), each with its wall and CPU time and
  the load average; on a busy machine read the one-thread CPU time a seed;
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
from regress_widgets.engine import compiled as _compiled  # noqa: E402
from regress_widgets.engine.train import _simulate_rows  # noqa: E402
from regress_widgets.recipes.data import batch_sizes, initial_theta, make_stream, stream_order  # noqa: E402

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
    """How a sweep of seeds ran first: every run's stream gathered (make_stream), then the compiled loop."""
    recipe = rw.RECIPES["mxnet"]
    lr = recipe.learning_rates()[None]
    for seed in seeds:
        stream = make_stream(recipe, seed)
        _simulate_rows(np, stream.X, stream.y, batch_sizes(recipe), initial_theta(recipe, seed)[None], lr, 1.0,
                       "float64", "compiled", False)


def numpy_shuffle_sweep(seeds) -> None:
    """``rw.sweep`` as it ran before its seeds had threads: one thread, each visiting order drawn by numpy's
    shuffles (data.stream_order) instead of the compiled ones (the same numbers), everything else the same code."""
    compiled = _compiled.stream_order
    _compiled.stream_order = lambda recipe, seed, sizes=None, out=None: stream_order(recipe, seed)
    try:
        rw.sweep("mxnet", seed=seeds, threads=1)
    finally:
        _compiled.stream_order = compiled


def load() -> float:
    """The machine's 1-minute load average (other engineers share these cores)."""
    return float(Path("/proc/loadavg").read_text().split()[0]) if Path("/proc/loadavg").exists() else float("nan")


def wall_times(fns, repeats: int) -> list[tuple[float, float, float]]:
    """For each function: median wall-clock time, median process CPU time, and the highest load average seen
    around its calls (the functions take turns, so a change in the machine's load falls on all of them)."""
    walls, cpus, loads = ([[] for _ in fns] for _ in range(3))
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            loads[k].append(load())
            start, cpu = time.perf_counter(), time.process_time()
            fn()
            walls[k].append(time.perf_counter() - start)
            cpus[k].append(time.process_time() - cpu)
            loads[k].append(load())
    return [(statistics.median(w), statistics.median(c), max(ld)) for w, c, ld in zip(walls, cpus, loads,
                                                                                        strict=True)]


def bench_seeds(runs: int, repeats: int) -> None:
    cores = rw.sweeps.check_threads(None)
    scaled = f" (run with {runs:,}, scaled to 1,000)" if runs != 1000 else ""
    print(f"a sweep of 1,000 seeds × 25,000 MXNet steps{scaled}, each its own dataset: wall-clock time (the target "
          f"is wall time on {cores} cores), medians of {repeats}; the load average (1 min, the highest seen) beside")
    rw.sweep("mxnet", seed=range(2))
    scale = 1000 / runs
    rows = [("before: rw.sweep, numpy's shuffles, 1 thread", lambda: numpy_shuffle_sweep(range(runs))),
            ("rw.sweep(threads=1): compiled shuffles, 1 thread", lambda: rw.sweep("mxnet", seed=range(runs),
                                                                                    threads=1)),
            (f"rw.sweep(): compiled shuffles, {cores} threads", lambda: rw.sweep("mxnet", seed=range(runs))),
            ("each stream gathered first (make_stream), 1 thread", lambda: gathered_sweep(range(runs)))]
    measured = [(name, *times) for (name, _), times in zip(rows, wall_times([fn for _, fn in rows], repeats),
                                                            strict=True)]
    before = measured[0][1]
    for name, wall, cpu, avg in measured:
        wall, cpu = wall * scale, cpu * scale
        note = f"{before * scale / wall:5.2f}× before; CPU {cpu:5.2f} s; load {avg:4.2f}"
        if name.startswith("rw.sweep()"):
            note += "; " + check(wall, 3.0)
        elif name.startswith("rw.sweep(threads=1)"):
            note += f"; {cpu:.2f} ms of CPU a seed on one core"
        row(name, wall, note)


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
    parser.add_argument("--only", choices=("maps", "seeds", "gpu"), help="one part of the benchmark")
    args = parser.parse_args()
    n = 20 if args.quick else 40
    if args.only in (None, "maps"):
        bench_map("pytorch", {}, 1.0, args.repeats, n, None)
        bench_map("mxnet", {"epochs": 2}, 5.0, args.repeats, n, 60)
    if args.only in (None, "seeds"):
        bench_seeds(100 if args.quick else 1000, args.repeats)
    if args.only in (None, "gpu"):
        bench_gpu(n)


if __name__ == "__main__":
    main()
