"""A big CSV file of your own: read it and train on it, measuring time and peak memory against the numbers.

    python benchmarks/big_csv.py [--rows 10000000] [--features 2] [--standardize] [--folder DIR] [--json]

Writes a CSV of ``rows`` × (``features`` + 1) random numbers into a temporary folder (or ``--folder``), then in
this process, traced with ``tracemalloc`` (every numpy allocation is counted):

* read: ``rw.read_csv`` with its progress bar — seconds, and peak memory ÷ the numeric data (rows × columns × 8
  bytes, float64);
* train: ``rw.train`` of the recipe it made (the PyTorch tutorial's conventions: one epoch of batches of 8) —
  seconds, and the peak of reading and training together ÷ the numeric data.

The seconds are those of a first, untraced pass; the memory that of a second pass traced by ``tracemalloc``.

The issue's target: the whole stays within 3× the numeric data. The process's maximum resident size is printed
too (it also counts Python, numpy and numba themselves).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

import regress_widgets as rw

CHUNK = 500_000


def write_csv(path: Path, rows: int, features: int, seed: int = 0) -> float:
    """A CSV with a header (x0, x1, …, y) and ``rows`` rows; returns the seconds it took."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    w = np.linspace(1.0, -2.0, features)
    with open(path, "w") as f:
        f.write(",".join([*(f"x{k}" for k in range(features)), "y"]) + "\n")
        for first in range(0, rows, CHUNK):
            n = min(CHUNK, rows - first)
            X = rng.normal(size=(n, features)) * np.geomspace(1, 100, features)
            y = X @ (w / np.geomspace(1, 100, features)) + 0.5 + rng.normal(0, 0.1, n)
            np.savetxt(f, np.column_stack([X, y]), fmt="%.5f", delimiter=",")
    return time.perf_counter() - start


def measure(path: Path, features: int, standardize: bool) -> dict:
    """Timed once as it runs, then once more traced by tracemalloc (which slows every allocation) for memory."""
    rw.train(rw.from_data(np.arange(20.0), np.arange(20.0)), epochs=1)  # numba compiles before anything is timed
    columns = [f"x{k}" for k in range(features)]
    start = time.perf_counter()
    recipe = rw.read_csv(path, x=columns, y="y", standardize=standardize, progress=True)
    read_seconds = time.perf_counter() - start
    start = time.perf_counter()
    run = rw.train(recipe)
    train_seconds = time.perf_counter() - start
    del recipe, run
    tracemalloc.start()
    recipe = rw.read_csv(path, x=columns, y="y", standardize=standardize, progress=True)
    read_peak = tracemalloc.get_traced_memory()[1]
    run = rw.train(recipe)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    numbers = recipe.n_examples * (features + 1) * 8
    return {
        "rows": recipe.n_examples, "features": features, "standardize": standardize,
        "file_mib": path.stat().st_size / 2**20, "numeric_mib": numbers / 2**20,
        "read_seconds": read_seconds, "read_peak_ratio": read_peak / numbers,
        "train_seconds": train_seconds, "steps": run.steps, "batch_size": recipe.batch_size,
        "peak_ratio": peak / numbers, "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "final_loss": float(run.loss[-1]), "notes": list(recipe.data.notes),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--features", type=int, default=2)
    parser.add_argument("--standardize", action="store_true")
    parser.add_argument("--folder", help="where to write the CSV (default: a temporary folder, removed after)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        path = Path(folder) / "big.csv"
        wrote = write_csv(path, args.rows, args.features)
        result = {"write_seconds": wrote, **measure(path, args.features, args.standardize)}
        os.remove(path)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['rows']:,} rows × {result['features']} features: file {result['file_mib']:.0f} MiB, "
              f"numbers {result['numeric_mib']:.0f} MiB (written in {wrote:.1f} s)")
        print(f"  read   {result['read_seconds']:6.1f} s   peak {result['read_peak_ratio']:.2f} × the numbers")
        print(f"  train  {result['train_seconds']:6.1f} s   ({result['steps']:,} steps of {result['batch_size']})   "
              f"peak of both {result['peak_ratio']:.2f} × the numbers (target ≤ 3)")
        print(f"  max resident size of the process {result['max_rss_mib']:.0f} MiB")
    return 0 if result["peak_ratio"] <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
