"""The benchmarks' shared table: timed medians, rows with ratios and targets, printed at the end.
Imported by ``engine.py`` and ``optimizers.py`` (each runnable alone)."""

from __future__ import annotations

import statistics
import time

ROWS: list[tuple[str, str, str, str]] = []


def median_time(fn, repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds:8.2f} s "


def row(name: str, seconds: float | None, versus: str = "", target: str = "") -> None:
    ROWS.append((name, "" if seconds is None else fmt(seconds), versus, target))
    print(f"  {name:<66} {ROWS[-1][1]:>12}  {versus}", flush=True)


def section(title: str) -> None:
    ROWS.append((title, None, None, None))
    print(title, flush=True)


def check(seconds: float, limit: float) -> str:
    return f"≤ {fmt(limit).strip()}: {'yes' if seconds <= limit else 'NO'}"


def print_table() -> None:
    print()
    print("=" * 118)
    print(f"{'benchmark':<72} {'median':>12}  {'ratio':<30}")
    print("-" * 118)
    for name, seconds, versus, target in ROWS:
        if seconds is None:
            print(name)
            continue
        tail = f"  [{target}]" if target else ""
        print(f"  {name:<70} {seconds:>12}  {versus}{tail}")
    print("=" * 118)
