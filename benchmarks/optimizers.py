"""Optimizer benchmarks (issue 13), one section of ``benchmarks/engine.py`` (also runnable alone):

    python benchmarks/optimizers.py [--repeats 5] [--quick]

* MXNet recipe, one run of 25,000 steps, data given: momentum and Nesterov against plain SGD, compiled and
  vectorized (pure numpy) — ratios against plain SGD measured in the same process (target ≤ 1.5×);
* Adam, 25,000 steps, compiled (target ≤ 3 ms), the engine's loop alone and the whole ``train``;
* a sweep of 1,000 momenta × 25,000 steps on one dataset, compiled (target ≤ 3 s), against 1,000 plain-SGD runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from table import check, median_time, print_table, row, section  # noqa: E402

import regress_widgets as rw  # noqa: E402
from regress_widgets.engine.optimizers import Rule  # noqa: E402
from regress_widgets.engine.sgd import simulate  # noqa: E402


def bench_optimizers(repeats: int, runs: int = 1000) -> None:
    recipe = rw.RECIPES["mxnet"]
    stream = rw.make_stream(recipe, 0)
    variants = {"momentum 0.9": dict(momentum=0.9), "Nesterov 0.9": dict(optimizer="nesterov", momentum=0.9)}
    for method in ("compiled", "vectorized"):
        section(f"MXNet recipe, 25,000 steps, data given, {method}: momentum and Nesterov vs plain SGD")
        n = repeats * (4 if method == "compiled" else 1)
        base = median_time(lambda m=method: rw.train(recipe, stream=stream, method=m), n)
        row("plain SGD (baseline)", base, "1×")
        for name, settings in variants.items():
            t = median_time(lambda m=method, s=settings: rw.train(recipe, stream=stream, method=m, **s), n)
            row(name, t, f"{t / base:7.2f}× plain SGD", f"≤ 1.5×: {'yes' if t <= 1.5 * base else 'NO'}")

    section("Adam, MXNet recipe, 25,000 steps, compiled")
    adam = recipe.with_settings(optimizer="adam")
    theta0 = rw.initial_theta(recipe, 0)[None]
    lr = adam.learning_rates()[None]
    rule = Rule.of([adam])
    t_loop = median_time(lambda: simulate(stream.X, stream.y, stream.batch_sizes, theta0, lr, 1.0,
                                          method="compiled", rule=rule), repeats * 4)
    t_train = median_time(lambda: rw.train(adam, stream=stream, method="compiled"), repeats * 4)
    t_sgd = median_time(lambda: rw.train(recipe, stream=stream, method="compiled"), repeats * 4)
    row("the engine's loop (simulate)", t_loop, "", check(t_loop, 3e-3))
    row("train(optimizer='adam', stream=...)", t_train, f"{t_train / t_sgd:7.2f}× plain SGD's train",
        check(t_train, 3e-3))
    t_vec = median_time(lambda: rw.train(adam, stream=stream, method="vectorized"), 1)
    row("vectorized (pure numpy, one step at a time)", t_vec, f"{t_vec / t_train:7.0f}× compiled")

    section(f"Sweep of {runs:,} runs × 25,000 steps, one dataset, compiled")
    lrs = np.full(runs, 1e-4)
    t_plain = median_time(lambda: rw.sweep("mxnet", lr=lrs), max(2, repeats // 2))
    momenta = np.linspace(0.0, 0.95, runs)
    t_mom = median_time(lambda: rw.sweep("mxnet", momentum=momenta), max(2, repeats // 2))
    row(f"{runs:,} plain-SGD runs (baseline)", t_plain, "1×")
    row(f"{runs:,} momenta in [0, 0.95]", t_mom, f"{t_mom / t_plain:7.2f}× plain SGD", check(t_mom, 3.0))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a sweep of 100 runs")
    args = parser.parse_args(argv)
    bench_optimizers(args.repeats, 100 if args.quick else 1000)
    print_table()


if __name__ == "__main__":
    main()
