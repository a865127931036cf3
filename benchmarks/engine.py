"""Engine benchmarks: every timing and speed-up in the table is measured in this one run, on this machine.

    python benchmarks/engine.py [--repeats 5] [--torch-python PATH] [--quick]

Rows (medians of repeats, after a warm-up call that also loads numba's cached machine code):

* MXNet recipe, one run of 25,000 steps: the engine (compiled and vectorized methods; with the data
  given, and the whole ``train()`` including data generation) against a straightforward per-step
  numpy loop over the same batches.
* PyTorch recipe (175 steps): the engine against the tutorial's real torch loop (DataLoader, autograd,
  ``optim.SGD``) when torch can be imported here, or by the interpreter given with ``--torch-python``
  (default: the one ``regress-widgets envs install`` made, if any); it prints "torch not installed" otherwise.
* The 200×200 loss surface at N = 10,000: ``Landscape.grid`` against the tutorial's double Python loop;
  at N = 10,000,000 ``Landscape.grid`` again, with the cost of ``Landscape.from_data`` shown separately.
* A sweep of 1,000 runs × 25,000 steps: learning rates over one dataset (and 1,000 seeds, each its own
  dataset); how the cost grows when runs or steps double.
* Optimizers (``benchmarks/optimizers.py``): momentum and Nesterov against plain SGD on the MXNet recipe
  (compiled and vectorized), Adam's 25,000 steps compiled, a sweep of 1,000 momenta.
* ``import regress_widgets`` in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import regress_widgets as rw  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from table import ROWS, check, fmt, median_time, print_table, row, section  # noqa: E402

# --- the straightforward per-step loop ----------------------------------------------------------------


def numpy_loop(X, y, sizes, theta0, lr, loss_scale):
    """Plain minibatch SGD, one numpy step at a time (what one writes first)."""
    w = theta0[:-1].copy()
    b = theta0[-1]
    losses = np.empty(len(sizes))
    start = 0
    for t, n in enumerate(sizes):
        xb, yb = X[start:start + n], y[start:start + n]
        start += n
        r = xb @ w + b - yb
        losses[t] = loss_scale * np.mean(r * r)
        g = (2 * loss_scale / n) * r
        w = w - lr[t] * (xb.T @ g)
        b = b - lr[t] * g.sum()
    return np.append(w, b), losses


# --- 1. MXNet recipe, one run -------------------------------------------------------------------------


def bench_mxnet(repeats: int) -> float:
    section("MXNet recipe: one run of 25,000 steps (batch 4, 10 epochs)")
    recipe = rw.RECIPES["mxnet"]
    stream = rw.make_stream(recipe, 0)
    theta0 = rw.initial_theta(recipe, 0)
    lr = recipe.learning_rates()
    t_loop = median_time(lambda: numpy_loop(stream.X, stream.y, stream.batch_sizes, theta0, lr, 1.0),
                         max(3, repeats // 2))
    final, _ = numpy_loop(stream.X, stream.y, stream.batch_sizes, theta0, lr, 1.0)
    row("per-step numpy loop (baseline)", t_loop, "1×")
    for method in ("compiled", "vectorized"):
        run = rw.train(recipe, seed=0, stream=stream, method=method)
        assert np.allclose(run.theta[-1], final, rtol=0, atol=1e-10), "engine and loop disagree"
        t = median_time(lambda m=method: rw.train(recipe, seed=0, stream=stream, method=m), repeats * 4)
        row(f"engine {method}, data given (train(stream=...))", t, f"{t_loop / t:7.0f}× faster",
            check(t, 2e-3) if method == "compiled" else "")
    for method in ("compiled", "vectorized"):
        t = median_time(lambda m=method: rw.train("mxnet", seed=0, method=m), repeats * 2)
        row(f"full train('mxnet', method={method!r}) incl. data generation", t, f"{t_loop / t:7.0f}× faster")
    t_data = median_time(lambda: rw.make_stream(recipe, 0), repeats * 2)
    row("  of which data generation (make_stream)", t_data, "")
    return t_loop


# --- 2. PyTorch recipe vs torch ---------------------------------------------------------------------

TORCH_SCRIPT = r"""
import json, statistics, sys, time
import numpy as np
import torch
data = np.load(sys.argv[1])
repeats = int(sys.argv[2])
x, y = torch.from_numpy(data["x"]).float(), torch.from_numpy(data["y"]).float()

class LinearRegressionModel(torch.nn.Module):  # the tutorial's model
    def __init__(self):
        super().__init__()
        self.k = torch.nn.Parameter(torch.zeros(1))
        self.m = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.k * x + self.m

def tutorial_loop():
    torch.manual_seed(0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8, shuffle=True)
    model = LinearRegressionModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    epoch_losses = []
    for epoch in range(25):
        batch_losses = []
        for xb, yb in loader:
            loss = torch.mean(torch.pow(yb - model(xb), 2))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        epoch_losses.append(np.mean(batch_losses))
    return model

def sliced_loop():  # no DataLoader: a permutation per epoch, batches sliced from tensors
    g = torch.Generator().manual_seed(0)
    model = LinearRegressionModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(25):
        order = torch.randperm(50, generator=g)
        for start in range(0, 50, 8):
            idx = order[start:start + 8]
            loss = torch.mean(torch.pow(y[idx] - model(x[idx]), 2))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model

out = {"version": torch.__version__, "threads": torch.get_num_threads()}
for name, fn in (("tutorial", tutorial_loop), ("sliced", sliced_loop)):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); model = fn(); times.append(time.perf_counter() - t)
    out[name] = statistics.median(times)
    out[name + "_theta"] = [model.k.item(), model.m.item()]
print(json.dumps(out))
"""


def torch_python(given: str | None) -> str | None:
    if given:
        return given
    if importlib.util.find_spec("torch") is not None:
        return sys.executable
    try:
        from regress_widgets.frameworks import envs

        python = envs.env_python("pytorch")
        return str(python) if Path(python).exists() else None
    except Exception:
        return None


def bench_pytorch(repeats: int, torch_exe: str | None) -> None:
    section("PyTorch recipe: 25 epochs of 50 examples in batches of 8 (175 steps)")
    recipe = rw.RECIPES["pytorch"]
    stream = rw.make_stream(recipe, 0)
    theta0 = rw.initial_theta(recipe, 0)
    t_loop = median_time(lambda: numpy_loop(stream.X, stream.y, stream.batch_sizes, theta0, recipe.learning_rates(),
                                            1.0), repeats * 4)
    t_engine = median_time(lambda: rw.train(recipe, seed=0, stream=stream), repeats * 10)
    t_train = median_time(lambda: rw.train("pytorch", seed=0), repeats * 10)
    python = torch_python(torch_exe)
    result = None
    if python is not None:
        data = rw.make_dataset(recipe, 0)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "data.npz"
            np.savez(path, x=data.X[:, 0], y=data.y)
            proc = subprocess.run([python, "-c", TORCH_SCRIPT, str(path), str(max(3, repeats))],
                                  capture_output=True, text=True, timeout=600)
        if proc.returncode == 0:
            result = json.loads(proc.stdout.strip().splitlines()[-1])
        else:
            print(f"  (torch failed in {python}: {proc.stderr.strip().splitlines()[-1:]})")
    if result is None:
        print("  torch not installed")
        ROWS.append(("  torch not installed", "", "", ""))
        base, label = t_loop, "numpy loop"
    else:
        base, label = result["tutorial"], "torch"
        row(f"torch {result['version']} tutorial loop: DataLoader, autograd, optim.SGD (baseline)",
            result["tutorial"], "1×")
        row("torch loop, batches sliced from tensors (no DataLoader)", result["sliced"],
            f"{result['tutorial'] / result['sliced']:7.1f}× faster")
        k, m = result["tutorial_theta"]
        assert abs(k - 3) < 0.5 and abs(m - 5) < 0.7, "the torch loop did not train"
    row("per-step numpy loop", t_loop, f"{base / t_loop:7.1f}× faster than {label}")
    row("engine compiled, data given", t_engine, f"{base / t_engine:7.0f}× faster than {label}")
    row("full train('pytorch') incl. data generation", t_train, f"{base / t_train:7.0f}× faster than {label}")


# --- 3. the loss surface ------------------------------------------------------------------------------


def tutorial_surface(X, Y, k_values, m_values):
    """The tutorial's double Python loop (at 200×200 instead of 100×100)."""
    loss_values = np.zeros((len(m_values), len(k_values)))
    for k_i in range(len(k_values)):
        for m_i in range(len(m_values)):
            Y_hat = k_values[k_i] * X + m_values[m_i]
            loss_values[m_i, k_i] = np.mean((Y - Y_hat) ** 2)
    return loss_values


def bench_landscape(repeats: int, big_n: int) -> None:
    section("Loss surface, 200×200 grid over (k, m) = true ± 7 (x ~ U[−3, 3], y = 3x + 5 + 0.5·ε)")
    rng = np.random.default_rng(0)
    k_values, m_values = np.linspace(-4, 10, 200), np.linspace(-2, 12, 200)

    def data(n):
        x = rng.uniform(-3, 3, n)
        return x, 3 * x + 5 + 0.5 * rng.standard_normal(n)

    x, y = data(10_000)
    t_loop = median_time(lambda: tutorial_surface(x, y, k_values, m_values), max(1, repeats // 2), warmup=0)
    expected = tutorial_surface(x, y, k_values, m_values)
    row("N = 10,000: the tutorial's double Python loop (baseline)", t_loop, "1×")
    land = rw.Landscape.from_data(x[:, None], y)
    assert np.allclose(land.grid(0, 1, k_values, m_values), expected, rtol=1e-10)
    t_grid = median_time(lambda: land.grid(0, 1, k_values, m_values), repeats * 20)
    t_stats = median_time(lambda: rw.Landscape.from_data(x[:, None], y), repeats * 4)
    row("N = 10,000: Landscape.grid", t_grid, f"{t_loop / t_grid:7.0f}× faster", check(t_grid, 2e-3))
    row("N = 10,000: Landscape.from_data + grid", t_stats + t_grid, f"{t_loop / (t_stats + t_grid):7.0f}× faster")
    xb, yb = data(big_n)
    Xb = xb[:, None]
    t_big_stats = median_time(lambda: rw.Landscape.from_data(Xb, yb), max(2, repeats // 2), warmup=0)
    big = rw.Landscape.from_data(Xb, yb)
    t_big_grid = median_time(lambda: big.grid(0, 1, k_values, m_values), repeats * 20)
    row(f"N = {big_n:,}: Landscape.grid", t_big_grid, f"{t_big_grid / t_grid:7.2f}× the N = 10,000 grid",
        check(t_big_grid, 2e-3))
    row(f"N = {big_n:,}: Landscape.from_data (once per dataset)", t_big_stats, "")
    loop_estimate = t_loop * big_n / 10_000
    row(f"N = {big_n:,}: double loop, estimated ×{big_n // 10_000:,} from N = 10,000", loop_estimate,
        f"{loop_estimate / (t_big_stats + t_big_grid):7.0f}× slower than from_data + grid")


# --- 4. sweeps ---------------------------------------------------------------------------------------


def bench_sweep(repeats: int, runs: int, t_loop: float) -> None:
    section(f"Sweep: {runs:,} runs × 25,000 steps of the MXNet recipe")
    lrs = np.geomspace(1e-5, 1e-3, runs)
    t_lr = median_time(lambda: rw.sweep("mxnet", lr=lrs), max(3, repeats))
    row(f"{runs:,} learning rates, one dataset (compiled)", t_lr,
        f"{t_loop * runs / t_lr:7.0f}× faster than {runs:,} numpy loops (est.)", check(t_lr, 3.0))
    t_vec = median_time(lambda: rw.sweep("mxnet", lr=lrs, method="vectorized"), 1)
    row(f"{runs:,} learning rates, one dataset (vectorized, pure numpy)", t_vec,
        f"{t_loop * runs / t_vec:7.0f}× faster than {runs:,} numpy loops (est.)")
    t_seeds = median_time(lambda: rw.sweep("mxnet", seed=range(runs)), 1, warmup=0)
    row(f"{runs:,} seeds, each its own dataset (compiled, data included)", t_seeds,
        f"{t_loop * runs / t_seeds:7.0f}× faster than {runs:,} numpy loops (est.)")

    section("Cost growth (compiled sweeps over learning rates; one run for steps alone)")
    half = runs // 2
    base = median_time(lambda: rw.sweep("mxnet", lr=lrs[:half], epochs=5), repeats)
    more_runs = median_time(lambda: rw.sweep("mxnet", lr=lrs, epochs=5), repeats)
    more_steps = median_time(lambda: rw.sweep("mxnet", lr=lrs[:half], epochs=10), repeats)
    both = median_time(lambda: rw.sweep("mxnet", lr=lrs, epochs=10), repeats)
    row(f"{half:,} runs × 12,500 steps", base, "1×")
    row(f"{runs:,} runs × 12,500 steps (runs double)", more_runs, f"{more_runs / base:7.2f}×")
    row(f"{half:,} runs × 25,000 steps (steps double)", more_steps, f"{more_steps / base:7.2f}×")
    row(f"{runs:,} runs × 25,000 steps (both double)", both, f"{both / base:7.2f}×")
    streams = {e: rw.make_stream(rw.RECIPES["mxnet"].with_settings(epochs=e), 0) for e in (10, 20)}
    for method in ("compiled", "vectorized"):
        t10 = median_time(lambda m=method: rw.train("mxnet", epochs=10, stream=streams[10], method=m), repeats * 4)
        t20 = median_time(lambda m=method: rw.train("mxnet", epochs=20, stream=streams[20], method=m), repeats * 4)
        row(f"one run, {method}: 25,000 → 50,000 steps", t20, f"{t20 / t10:7.2f}× ({fmt(t10).strip()} before)")


# --- 5. import time --------------------------------------------------------------------------------

IMPORT_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter(); import numpy
t1 = time.perf_counter(); import regress_widgets
t2 = time.perf_counter()
print(json.dumps({"numpy": t1 - t0, "regress_widgets": t2 - t1,
                  "heavy": [m for m in ("torch", "cupy", "numba") if m in sys.modules]}))
"""


def bench_import(repeats: int) -> None:
    section("import regress_widgets in a fresh interpreter")
    results = []
    for _ in range(max(5, repeats)):
        proc = subprocess.run([sys.executable, "-c", IMPORT_SCRIPT], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).resolve().parents[1])
        results.append(json.loads(proc.stdout))
    t_np = statistics.median(r["numpy"] for r in results)
    t_rw = statistics.median(r["regress_widgets"] for r in results)
    heavy = sorted({m for r in results for m in r["heavy"]})
    row("import numpy", t_np, "")
    row("import regress_widgets (numpy already imported)", t_rw, f"loads {', '.join(heavy) or 'no torch/cupy/numba'}")
    row("both together", t_np + t_rw, "", check(t_np + t_rw, 0.3))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per row (the median is shown)")
    parser.add_argument("--torch-python", help="an interpreter with torch, when torch is not importable here")
    parser.add_argument("--quick", action="store_true", help="smaller sweep (100 runs) and N = 1,000,000")
    args = parser.parse_args(argv)
    import os
    import platform

    import numba

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
          f"{platform.machine()}, {cores} cores; medians of {args.repeats}")
    t_loop = bench_mxnet(args.repeats)
    bench_pytorch(args.repeats, args.torch_python)
    bench_landscape(args.repeats, 1_000_000 if args.quick else 10_000_000)
    bench_sweep(args.repeats, 100 if args.quick else 1000, t_loop)
    from optimizers import bench_optimizers  # benchmarks/optimizers.py: momentum, Nesterov, Adam (issue 13)

    bench_optimizers(args.repeats, 100 if args.quick else 1000)
    bench_import(args.repeats)
    print_table()


if __name__ == "__main__":
    main()
