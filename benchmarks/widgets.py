"""How fast the Lab answers a slider, headless (Agg), per recipe — and the naive way, in the same run.

    python benchmarks/widgets.py [--repeat N] [--json]

Measured, each time from the assignment to the control until ``fig.canvas.draw()`` has returned:

* lr drag: the lr slider moved step by step (log-spaced, up and back down, as a hand drags it):
  the engine re-runs on the cached data and the figure is redrawn. Targets: p50 ≤ 25 ms, p95 ≤ 40 ms.
* lr jumps: lr set to random values anywhere below the stability limit (every jump changes the view).
* noise: the noise slider released at a new value: new data, loss surface, contours, run, redraw.
  Target ≤ 100 ms.
* play: one frame of the Play button (a new position, no engine run).
* baseline: the naive way to show an lr change — train, then build the same panels from scratch on a
  new figure with plain matplotlib Axes, and draw.
* work per lr move: how many eigen-decompositions and linear solves it costs, and how many draw requests
  reach ipympl's canvas.

``--before DIR`` runs the same measurements on an earlier version of the package (a checkout, e.g.
``git worktree add ../before <commit>``) in a subprocess of this run, and prints both, with ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

from regress_widgets import RECIPES, Lab, Landscape, make_stream, train
from regress_widgets.panels import Panels


def _timed(action, draw) -> float:
    start = time.perf_counter()
    action()
    draw()
    return (time.perf_counter() - start) * 1e3


def _stats(ms) -> dict:
    ms = np.asarray(ms)
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)), "max": float(ms.max()),
            "n": len(ms)}


def bench_recipe(name: str, repeat: int, rng: np.random.Generator) -> dict:
    recipe = RECIPES[name]
    lab = Lab(name, display="none")
    draw = lab.figure.canvas.draw
    draw()
    lr_max = lab.landscape.lr_max
    top = min(3 * recipe.lr, 0.9 * lr_max)
    drag = np.geomspace(recipe.lr / 3, top, 40)
    drag = np.concatenate([drag, drag[::-1]])
    for v in drag[:10]:  # warm up
        lab.controls["lr"].value = float(v)
        draw()
    lr_drag = [_timed(lambda v=v: setattr(lab.controls["lr"], "value", float(v)), draw)
               for _ in range(repeat) for v in drag]
    jumps = np.exp(rng.uniform(np.log(recipe.lr / 30), np.log(0.9 * lr_max), 40 * repeat))
    lr_jump = [_timed(lambda v=v: setattr(lab.controls["lr"], "value", float(v)), draw) for v in jumps]
    lab.reset()
    draw()
    noises = recipe.noise * np.tile([0.5, 1.5, 0.8, 1.2, 2.0, 1.0], 3 * repeat)
    noise = [_timed(lambda v=v: setattr(lab.controls["noise"], "value", float(v)), draw) for v in noises]
    lab.reset()
    draw()
    T = lab.run.steps
    frames = np.linspace(0, T, 60).round().astype(int)
    play = [_timed(lambda k=k: setattr(lab, "position", int(k)), draw) for k in frames]

    landscape = Landscape.for_recipe(recipe, 0)
    stream = make_stream(recipe, 0)

    def naive(v):
        run = train(recipe, seed=0, stream=stream, lr=float(v))
        panels = Panels(recipe, cache=False)
        panels.update(run, landscape)
        panels.figure.canvas.draw()

    baseline = [_timed(lambda v=v: naive(v), lambda: None) for v in drag[:: max(1, len(drag) // 20)]]
    return {"recipe": name, "steps": T, "lr_drag": _stats(lr_drag), "lr_jump": _stats(lr_jump),
            "noise": _stats(noise), "play": _stats(play), "baseline": _stats(baseline), **work_per_move(name)}


def work_per_move(name: str, moves: int = 10) -> dict:
    """Eigen-decompositions, linear solves and ipympl draw requests per lr move (mean over ``moves``)."""
    lab = Lab(name, display="ipympl")
    counts = {"eigen": 0, "solve": 0, "draws": 0}
    originals = {f: getattr(np.linalg, f) for f in ("eigvalsh", "eigh", "eig", "solve", "inv")}

    def counter(key, original):
        def counted(*args, **kwargs):
            counts[key] += 1
            return original(*args, **kwargs)
        return counted

    canvas = lab.figure.canvas
    for f, original in originals.items():
        setattr(np.linalg, f, counter("solve" if f in ("solve", "inv") else "eigen", original))
    canvas.draw_idle = counter("draws", canvas.draw_idle)
    try:
        for v in np.geomspace(RECIPES[name].lr / 2, RECIPES[name].lr * 2, moves):
            lab.controls["lr"].value = float(v)
    finally:
        for f, original in originals.items():
            setattr(np.linalg, f, original)
    return {f"{k}_per_move": v / moves for k, v in counts.items()}


def run_before(path: str, repeat: int) -> list[dict]:
    """The same measurements on the package found in ``path`` (an earlier checkout), in a subprocess."""
    env = {**os.environ, "PYTHONPATH": os.path.abspath(path)}
    out = subprocess.run([sys.executable, __file__, "--repeat", str(repeat), "--json"], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="passes over each drag (default 2)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--before", metavar="DIR", help="also measure the package in DIR (an earlier checkout)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    results = [bench_recipe(name, args.repeat, rng) for name in RECIPES]
    if args.json:
        print(json.dumps(results))
        return 0
    if args.before:
        before = run_before(args.before, args.repeat)
        print(f"lr drag, before ({args.before}) and now, in ms; work per lr move (eigen / solve / draw requests)")
        for b, r in zip(before, results, strict=True):
            bd, d = b["lr_drag"], r["lr_drag"]
            print(f"{r['recipe']:8} p50 {bd['p50']:6.1f} → {d['p50']:6.1f} (×{bd['p50'] / d['p50']:.2f})  "
                  f"p95 {bd['p95']:6.1f} → {d['p95']:6.1f} (×{bd['p95'] / d['p95']:.2f})  |  "
                  f"{b['eigen_per_move']:.0f}/{b['solve_per_move']:.0f}/{b['draws_per_move']:.0f} → "
                  f"{r['eigen_per_move']:.0f}/{r['solve_per_move']:.0f}/{r['draws_per_move']:.0f}")
        print()
    print("Lab, headless Agg, 1280×720 px: control change → recompute → fig.canvas.draw(), in ms")
    print(f"{'recipe':8} {'steps':>6} | {'lr drag p50/p95':>16} | {'lr jump p50/p95':>16} | "
          f"{'noise p50/p95/max':>19} | {'play p50':>8} | {'naive rebuild p50':>17}")
    for r in results:
        d, j, n, p, b = r["lr_drag"], r["lr_jump"], r["noise"], r["play"], r["baseline"]
        print(f"{r['recipe']:8} {r['steps']:>6} | {d['p50']:7.1f} / {d['p95']:6.1f} | "
              f"{j['p50']:7.1f} / {j['p95']:6.1f} | {n['p50']:5.1f} / {n['p95']:5.1f} / {n['max']:5.1f} | "
              f"{p['p50']:8.1f} | {b['p50']:17.1f}")
    for r in results:
        print(f"{r['recipe']:8} per lr move: {r['eigen_per_move']:.1f} eigen-decompositions, "
              f"{r['solve_per_move']:.1f} solves, {r['draws_per_move']:.1f} draw requests")
    for kind in ("lr_drag", "lr_jump"):
        ok = all(r[kind]["p50"] <= 25 and r[kind]["p95"] <= 40 for r in results)
        print(f"target {kind.replace('_', ' ')}: p50 ≤ 25 ms and p95 ≤ 40 ms:", "met" if ok else "NOT met")
    ok = all(r["noise"]["p95"] <= 100 for r in results)
    print("target noise change ≤ 100 ms (p95):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
