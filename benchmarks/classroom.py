"""A class on one machine: N students' kernels, each driven as a student's page drives it, and what they wait.

    python benchmarks/classroom.py [--students 10 20 30] [--drag 3] [--pause 6] [--minutes 1] [--cold] [--json]

Each student is a real ipykernel (jupyter_client) that runs notebook 00's first cell (``rw.SideBySide.from_url()``)
and is then spoken to over the widgets' own protocol, as JupyterLab would: when the cell has run, every figure's
screen is told that a page shows it (``ready``, then the width of a column at 1280 px with the file browser open);
the first whole frame of every column is the student's first figure. Then the class plays: each student drags one
column's lr slider for about ``--drag`` s at the page's pace (the next value goes out when the frame of the last one
has arrived, at most 25 a second), then pauses about ``--pause`` s, starting at a random moment, so about a third
of the class drags at any time. Printed per N:

* the time from "open the notebook" (all N kernels started at once) to each student's first figure: median, max;
* change → frame: from a slider value sent to the frame message received, p50 / p95 / p99;
* each kernel's memory (RSS) and all of them together, and the CPU the kernels used per change;
* what a moment of silence costs: the kernels' CPU over ``--idle`` s in which nobody drags (should be ~0).

Goal on a 2-core, 24 GB machine (issue 22): 30 students with p95 ≤ 150 ms, p99 ≤ 300 ms, ≤ 6 GB of kernels.
``--cold`` gives every kernel an empty numba cache (a new image); by default the cache is warmed first.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
from jupyter_client import KernelManager

ROOT = Path(__file__).resolve().parents[1]
SCREEN = "regress_widgets.lab.screen.Screen"
COLUMN_PX = 361  # a side-by-side column at 1280 × 800 with JupyterLab's file browser open (the browser tests' width)
PAGE_INTERVAL = 0.04  # a page sends a dragged slider's value at most 25 times a second
MISSING = 3.0  # seconds after which a change's frame counts as missing


def first_code_cell() -> str:
    nb = json.loads((ROOT / "notebooks" / "00_side_by_side.ipynb").read_text())
    return "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])


def percentile(values, q) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


class Student:
    """One student's kernel, and the page that drives it (over the ipywidgets comm protocol)."""

    def __init__(self, number: int, env: dict, folder: Path):
        self.number = number
        self.km = KernelManager(kernel_name="python3", transport="ipc")  # unix sockets: 30 kernels starting at
        # once over TCP race for the same free ports ("Address already in use")
        self.km.connection_file = str(folder / "kernels" / f"kernel-{number}.json")
        self.km.ip = str(folder / "kernels" / f"k{number}")
        self.env = env
        self.comms: dict[str, dict] = {}  # comm id → the widget's state as opened
        self.screens: list[str] = []
        self.sliders: list[str] = []  # the lr sliders, one per column
        self.frames: queue.Queue = queue.Queue()  # (time, comm id, whole) of every frame message
        self.first_figure: float | None = None
        self.latencies: list[float] = []
        self.changes = 0
        self.missing = 0
        self.error: str | None = None
        self._stop = threading.Event()

    # --- the kernel
    def open(self, started: float) -> None:
        """Start the kernel, run the notebook's first cell, show the figures as a page would; time the first."""
        try:
            self.km.start_kernel(env=self.env)
            self.kc = self.km.client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=300)
            self.listener = threading.Thread(target=self._listen, daemon=True)
            self.listener.start()
            msg_id = self.kc.execute(first_code_cell())
            reply = self.kc.get_shell_msg(timeout=300)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = self.kc.get_shell_msg(timeout=300)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"the cell failed: {reply['content'].get('evalue')}")
            pending = set(self.screens)
            for comm in self.screens:  # the page renders each figure: ready, then the column's width
                self._send(comm, {"method": "custom", "content": {"type": "ready"}})
                self._send(comm, {"method": "update", "state": {"width": COLUMN_PX, "pixel_ratio": 1.0},
                                  "buffer_paths": []})
            while pending:
                at, comm, whole = self.frames.get(timeout=300)
                if whole:
                    pending.discard(comm)
            self.first_figure = time.perf_counter() - started
            time.sleep(1.0)  # the refits to the column's width settle
            self._drain()
        except Exception as err:  # noqa: BLE001 - reported in the table, the class goes on
            self.error = f"student {self.number}: {type(err).__name__}: {err}"

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
                state = content["data"].get("state", {})
                self.comms[content["comm_id"]] = state
                if state.get("_anywidget_id") == SCREEN:
                    self.screens.append(content["comm_id"])
                elif state.get("_model_name") == "FloatLogSliderModel" and state.get("description", "").startswith(
                        "lr"):
                    self.sliders.append(content["comm_id"])
            elif kind == "comm_msg" and content["comm_id"] in self.screens:
                data = content["data"]
                if data.get("method") == "custom" and data["content"].get("type") == "frame":
                    self.frames.put((time.perf_counter(), content["comm_id"], data["content"]["whole"]))

    def _send(self, comm: str, data: dict) -> None:
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm, "data": data})
        self.kc.shell_channel.send(msg)

    def _drain(self) -> None:
        while not self.frames.empty():
            self.frames.get_nowait()

    # --- the lesson
    def drag(self, seconds: float, rng: random.Random) -> None:
        """Drag one column's lr slider for ``seconds``, at the page's pace."""
        slider = self.sliders[rng.randrange(len(self.sliders))]
        state = self.comms[slider]
        lo = float(state["value"]) if "start" not in state else state["start"]
        state["start"] = lo
        up = lo * np.geomspace(1.0, 4.0, 60)
        values = np.concatenate([up[1:], up[-2::-1]])  # up and back down, never the same value twice in a row
        end = time.perf_counter() + seconds
        i = 0
        while time.perf_counter() < end and not self._stop.is_set():
            value = float(values[i % len(values)])
            i += 1
            if value == state["value"]:
                continue
            state["value"] = value
            sent = time.perf_counter()
            self._send(slider, {"method": "update", "state": {"value": value}, "buffer_paths": []})
            self.changes += 1
            try:
                at, _comm, _whole = self.frames.get(timeout=MISSING)
                self.latencies.append(at - sent)
            except queue.Empty:
                self.missing += 1  # no frame: counted apart, never as a latency
            self._drain()
            time.sleep(max(0.0, PAGE_INTERVAL - (time.perf_counter() - sent)))

    def lesson(self, until: float, drag: float, pause: float, seed: int) -> None:
        rng = random.Random(seed)
        time.sleep(rng.uniform(0, drag + pause))  # the class does not move in step
        while time.perf_counter() + drag < until and not self._stop.is_set():
            self.drag(rng.uniform(0.8, 1.2) * drag, rng)
            time.sleep(rng.uniform(0.8, 1.2) * pause)

    # --- what it costs
    @property
    def process(self) -> psutil.Process:
        return psutil.Process(self.km.provisioner.process.pid)

    def cpu(self) -> float:
        t = self.process.cpu_times()
        return t.user + t.system

    def close(self) -> None:
        self._stop.set()
        if getattr(self, "listener", None) is not None:
            self.listener.join()
        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
        self.km.shutdown_kernel(now=True)


def environment(cold: bool, folder: Path) -> dict:
    for sub in ("ipython", "mpl", "numba-empty", "kernels"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(IPYTHONDIR=str(folder / "ipython"), MPLCONFIGDIR=str(folder / "mpl"), JUPYTER_PLATFORM_DIRS="1",
               PYTHONUNBUFFERED="1")
    if cold:
        env["NUMBA_CACHE_DIR"] = str(folder / "numba-empty")
    return env


def warm(env: dict, folder: Path) -> None:
    """One student opens the notebook first: the numba cache (and the OS's file cache) are warm."""
    s = Student(0, env, folder)
    s.open(time.perf_counter())
    s.close()


def run_class(n: int, args, folder: Path) -> dict:
    here = folder / f"class{n}"
    env = environment(args.cold, here)
    if not args.cold:
        warm(env, here)
    students = [Student(i + 1, env, here) for i in range(n)]
    started = time.perf_counter()
    threads = [threading.Thread(target=s.open, args=(started,)) for s in students]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [s.error for s in students if s.error]
    live = [s for s in students if not s.error]
    if not live:
        raise SystemExit("no student's notebook opened:\n" + "\n".join(errors))
    first = [s.first_figure for s in live]
    cpu0 = sum(s.cpu() for s in live)
    idle0 = time.perf_counter()
    time.sleep(args.idle)
    idle_cpu = sum(s.cpu() for s in live) - cpu0
    idle_wall = time.perf_counter() - idle0
    cpu0 = sum(s.cpu() for s in live)
    psutil.cpu_percent(None)
    until = time.perf_counter() + args.minutes * 60
    threads = [threading.Thread(target=s.lesson, args=(until, args.drag, args.pause, 1000 * n + s.number))
               for s in live]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    machine_cpu = psutil.cpu_percent(None)
    cpu = sum(s.cpu() for s in live) - cpu0
    latencies = [x for s in live for x in s.latencies]
    changes = sum(s.changes for s in live)
    rss = [s.process.memory_info().rss for s in live]
    for s in students:
        s.close()
    return {
        "students": n, "opened": len(live), "errors": errors,
        "first_figure_median_s": statistics.median(first), "first_figure_max_s": max(first),
        "changes": changes, "missing_frames": sum(s.missing for s in live),
        "changes_per_s": changes / (args.minutes * 60),
        "latency_p50_ms": 1e3 * percentile(latencies, 50), "latency_p95_ms": 1e3 * percentile(latencies, 95),
        "latency_p99_ms": 1e3 * percentile(latencies, 99),
        "cpu_ms_per_change": 1e3 * cpu / max(changes, 1), "machine_cpu_percent": machine_cpu,
        "idle_cpu_percent_of_a_core": 100 * idle_cpu / idle_wall,
        "rss_mb_median": statistics.median(rss) / 2**20, "rss_mb_max": max(rss) / 2**20,
        "rss_gb_total": sum(rss) / 2**30,
    }


def print_table(rows: list[dict], cores: int, cold: bool) -> None:
    print(f"\n{cores} cores, {psutil.virtual_memory().total / 2**30:.0f} GB; numba cache "
          f"{'empty (cold image)' if cold else 'warm'}")
    head = (f"{'N':>3} {'1st figure med/max s':>21} {'changes/s':>9} {'p50':>6} {'p95':>6} {'p99':>7} ms "
            f"{'CPU/change':>10} {'idle CPU':>9} {'RSS/student':>12} {'all':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['students']:>3} {r['first_figure_median_s']:>10.1f} / {r['first_figure_max_s']:<8.1f} "
              f"{r['changes_per_s']:>9.1f} {r['latency_p50_ms']:>6.0f} {r['latency_p95_ms']:>6.0f} "
              f"{r['latency_p99_ms']:>7.0f}    {r['cpu_ms_per_change']:>7.1f} ms "
              f"{r['idle_cpu_percent_of_a_core']:>7.1f} % {r['rss_mb_median']:>8.0f} MB {r['rss_gb_total']:>5.1f} GB")
        if r["missing_frames"]:
            print(f"    {r['missing_frames']} changes brought no frame within {MISSING:g} s")
        for e in r["errors"]:
            print("    ", e)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[10, 20, 30])
    parser.add_argument("--drag", type=float, default=3.0, help="seconds a student drags")
    parser.add_argument("--pause", type=float, default=6.0, help="seconds a student pauses between drags")
    parser.add_argument("--minutes", type=float, default=1.0, help="how long the class plays, per N")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of silence measured before the class plays")
    parser.add_argument("--cold", action="store_true", help="every kernel starts with an empty numba cache")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows = []
    with tempfile.TemporaryDirectory(prefix="rw-classroom-") as tmp:
        for n in args.students:
            print(f"class of {n} …", file=sys.stderr, flush=True)
            rows.append(run_class(n, args, Path(tmp)))
            if not args.json:  # each class as it ends (a long run's first rows are not lost)
                print_table(rows[-1:], cores, args.cold)
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
