"""What a student's kernel holds and how soon it shows its first figure: real kernels (jupyter_client), one per case.

    python benchmarks/kernel.py [--before DIR] [--crowd 30] [--no-crowd] [--no-lesson] [--json]

Each case starts a fresh ipykernel, builds a ``Lab`` per recipe or a ``SideBySide`` in it (``display`` as in a
notebook), displays it and draws each of its figures once (the work of the first frame), and reads the kernel's
resident memory (psutil, from outside; after ``gc.collect()``):

* cold: numba's cache empty (a fresh ``NUMBA_CACHE_DIR``): the first kernel on a new image;
* warm: the same cache dir again (what ``python -m regress_widgets.engine.warm`` leaves on an image);
* after a lesson (warm kernel): 100 seed changes, then 1,000 slider changes (lr, batch size, noise, γ, in turn),
  each followed by a draw of the figure it changed — RSS 3 s later (a class pauses), and its ratio to RSS after
  building;
* first frame: the seconds from ``import regress_widgets`` to the drawn figures, inside the kernel;
* 30 at once: that many kernels started together, each building and drawing a ``SideBySide`` (notebook 00's
  first figure), cold (one shared empty cache) and warm: seconds from the start to each kernel's figure (median,
  max); and, as the floor under it, the same kernels importing only what any notebook with a widget and a
  matplotlib figure imports (numpy, matplotlib's pyplot, ipywidgets): what no change to this package can save.

``--before DIR`` measures the package in DIR (an earlier checkout, put first on the kernels' PYTHONPATH) in the
same run, and prints both with ratios. Timings depend on the machine's load: run it on a quiet machine, twice.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time

import psutil
from jupyter_client import KernelManager

RECIPES = ("caffe2", "mxnet", "pytorch")
PAUSE = 3.0  # seconds a class pauses after the lesson, before its kernels' memory is read
BUILD = """
import time as _time
_t0 = _time.perf_counter()
import regress_widgets as rw
from IPython.display import display
w = {make}
display(w)
_labs = list(w.labs.values()) if hasattr(w, "labs") else [w]
for _lab in _labs:
    _lab.figure.canvas.draw()
_first = _time.perf_counter() - _t0
"""
LESSON = """
import gc, numpy as np
_t0 = _time.perf_counter()
if hasattr(w, "labs"):
    for s in range(1, 101):
        w.seed.value = s
        for _lab in _labs:
            _lab.figure.canvas.draw()
else:
    for s in range(1, 101):
        w.set(seed=s)
        w.figure.canvas.draw()
_refused = 0
for i in range(1000):
    lab = _labs[i % len(_labs)]
    r = rw.RECIPES[lab.state.tutorial.name] if hasattr(lab.state, "tutorial") else lab.recipe
    kind = ("lr", "lr", "lr", "lr", "lr", "lr", "batch_size", "noise", "gamma", "lr")[i // len(_labs) % 10]
    k = i // len(_labs) // 10
    value = {"lr": r.lr * float(np.geomspace(1 / 3, 3, 37)[k % 37]),
             "batch_size": [1, 2, 4, 8, 16, 32, 64][k % 7],
             "noise": r.noise * [0.5, 0.8, 1.2, 1.5, 2.0, 1.0][k % 6],
             "gamma": [0.5, 0.7, 0.9, 0.99, 1.0][k % 5]}[kind]
    try:
        lab.controls[kind].value = value
    except Exception:
        _refused += 1
    lab.figure.canvas.draw()
_lesson = _time.perf_counter() - _t0
"""


def _env(package: str | None, cache: str) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONUNBUFFERED": "1"}
    if package:
        env["PYTHONPATH"] = os.path.abspath(package) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class Kernel:
    def __init__(self, package, cache):
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(env=_env(package, cache))
        self.client = self.km.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)
        self.process = psutil.Process(self.km.provisioner.process.pid)

    def run(self, code: str, timeout: float = 900):
        reply = self.client.execute_interactive(code, timeout=timeout, store_history=False, output_hook=lambda m: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")

    def value(self, expr: str):
        out = {}

        def hook(msg):
            if msg["msg_type"] == "stream":
                out["text"] = out.get("text", "") + msg["content"]["text"]

        self.client.execute_interactive(f"print(repr({expr}))", timeout=60, output_hook=hook)
        return eval(out["text"])  # noqa: S307 (our own kernel's repr of a float)

    def rss_mb(self) -> float:
        self.run("import gc; gc.collect()")
        return self.process.memory_info().rss / 2**20

    def stop(self):
        self.client.stop_channels()
        self.km.shutdown_kernel(now=True)


def case(package, make: str, cache: str, lesson: bool) -> dict:
    k = Kernel(package, cache)
    try:
        k.run(BUILD.format(make=make))
        out = {"first_frame_s": k.value("_first"), "rss_built_mb": k.rss_mb()}
        if lesson:
            k.run(LESSON, timeout=1800)
            time.sleep(PAUSE)  # the class pauses: the Lab gives the memory the lesson freed back (controls/release.py)
            out.update(rss_lesson_mb=k.rss_mb(), lesson_s=k.value("_lesson"), refused=k.value("_refused"))
        return out
    finally:
        k.stop()


FLOOR = "import numpy, matplotlib.pyplot, ipywidgets"


def crowd(package, n: int, cache: str, code: str = BUILD.format(make="rw.SideBySide()")) -> dict:
    """``n`` kernels at once, each running ``code`` (showing a SideBySide): seconds from the start to each one's
    end (its drawn figures)."""
    started = time.perf_counter()
    done, errors = [], []

    def one():
        try:
            k = Kernel(package, cache)
            try:
                k.run(code)
                done.append(time.perf_counter() - started)
            finally:
                k.stop()
        except Exception as err:  # reported, not hidden
            errors.append(repr(err))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"n": n, "ok": len(done), "median_s": statistics.median(done) if done else None,
            "max_s": max(done) if done else None, "errors": errors[:3]}


def measure(package, crowd_n: int, lesson: bool) -> dict:
    cases = [(f"Lab {r}", f'rw.Lab("{r}")') for r in RECIPES] + [("SideBySide", "rw.SideBySide()")]
    out = {"cases": {}}
    for name, make in cases:
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
            cold = case(package, make, cache, lesson=False)
            warm = case(package, make, cache, lesson=lesson)
        out["cases"][name] = {"cold": cold, "warm": warm}
        print(f"  {name}: {json.dumps(out['cases'][name])}", file=sys.stderr, flush=True)
    if crowd_n:
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
            out["crowd_cold"] = crowd(package, crowd_n, cache)
            print(f"  crowd cold: {out['crowd_cold']}", file=sys.stderr, flush=True)
            out["crowd_warm"] = crowd(package, crowd_n, cache)
            print(f"  crowd warm: {out['crowd_warm']}", file=sys.stderr, flush=True)
            out["crowd_floor"] = crowd(package, crowd_n, cache, FLOOR)
            print(f"  crowd floor: {out['crowd_floor']}", file=sys.stderr, flush=True)
    return out


def _ratio(a, b) -> str:
    return f"×{b / a:.2f}" if a and b else ""


def report(now: dict, before: dict | None) -> None:
    def row(label, key, sub, unit):
        cells = []
        for name, c in now["cases"].items():
            v = c[sub].get(key)
            b = before["cases"][name][sub].get(key) if before else None
            cells.append(f"{name}: " + (f"{b:.2f} → " if b is not None else "") + (f"{v:.2f}{unit}" if v is not None
                         else "–") + (f" ({_ratio(b, v)})" if b is not None and v is not None else ""))
        print(f"{label:28}" + " | ".join(cells))

    print("Kernels (ipykernel, jupyter_client), RSS in MB, times in s" + ("; before → now (now/before)" if before
                                                                         else ""))
    row("RSS built, cold cache", "rss_built_mb", "cold", "")
    row("RSS built, warm cache", "rss_built_mb", "warm", "")
    row("RSS after a lesson", "rss_lesson_mb", "warm", "")
    row("first frame, cold cache", "first_frame_s", "cold", "")
    row("first frame, warm cache", "first_frame_s", "warm", "")
    row("lesson (1,100 changes)", "lesson_s", "warm", "")
    for name, c in now["cases"].items():
        w = c["warm"]
        if "rss_lesson_mb" in w:
            print(f"{name}: after a lesson / built = {w['rss_lesson_mb'] / w['rss_built_mb']:.2f}"
                  + (f" (before: {before['cases'][name]['warm']['rss_lesson_mb'] / before['cases'][name]['warm']['rss_built_mb']:.2f})"  # noqa: E501
                     if before and 'rss_lesson_mb' in before['cases'][name]['warm'] else "")
                  + f"; refused changes: {w['refused']}")
    for key in ("crowd_cold", "crowd_warm", "crowd_floor"):
        if key in now:
            c, b = now[key], (before or {}).get(key)
            text = f"{c['ok']}/{c['n']} figures, median {c['median_s']:.1f} s, last {c['max_s']:.1f} s" \
                if c["ok"] else f"failed: {c['errors']}"
            if b and b["ok"] and c["ok"]:
                text = (f"before: median {b['median_s']:.1f} s, last {b['max_s']:.1f} s → now: " + text
                        + f" ({_ratio(b['max_s'], c['max_s'])} on the last)")
            what = ("the libraries alone (numpy, pyplot, ipywidgets), the floor" if key == "crowd_floor"
                    else f"SideBySide, {key.split('_')[1]} cache")
            print(f"{c['n']} kernels at once, {what}: {text}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="DIR", help="also measure the package in DIR (an earlier checkout)")
    parser.add_argument("--crowd", type=int, default=30, help="kernels started at once (default 30)")
    parser.add_argument("--no-crowd", action="store_true", help="skip the kernels started at once")
    parser.add_argument("--no-lesson", action="store_true", help="skip the lesson (RSS after use)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    crowd_n = 0 if args.no_crowd else args.crowd
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    before = None
    if args.before:
        print(f"before: {args.before}", file=sys.stderr)
        before = measure(args.before, crowd_n, not args.no_lesson)
    print(f"now: {here}", file=sys.stderr)
    now = measure(here, crowd_n, not args.no_lesson)
    if args.json:
        print(json.dumps({"before": before, "now": now}))
        return 0
    print(f"{os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB; load now {os.getloadavg()[0]:.1f}")
    report(now, before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
