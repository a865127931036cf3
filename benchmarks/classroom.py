"""A class on one machine: N students' kernels, each driven as a student's page drives it, and what they wait.

    python benchmarks/classroom.py [--students 10 20 30] [--drag 3] [--pause 6] [--minutes 1] [--cold] [--json]

Each student is a real ipykernel (jupyter_client) that runs notebook 00's first cell (``rw.SideBySide.from_url()``)
and is then spoken to over the widgets' own protocol, as JupyterLab would: every figure's screen is told that a page
shows it (``ready``, then the width of a column at 1280 px with the file browser open); the first whole frame of
every column is the student's first figure. Then the class plays: each student drags one column's lr slider for
about ``--drag`` s at the page's pace (the next value once the last one's frame has arrived, at most 25 a second),
then pauses about ``--pause`` s, from a random moment: about a third of the class drags at any time. Per N:

* from "open the notebook" (all N kernels started at once) to each student's first figure: median, max;
* change → frame: from a slider value sent to the frame message received, p50 / p95 / p99 (a frame later than
  3 s counts apart: late, or never);
* each kernel's RSS and PSS (the shared library pages split among the kernels that map them: summed, the honest
  total), all of them together, and the kernels' CPU per change; and their CPU over ``--idle`` s of silence (~0).

What a student does is :class:`Student`; how their messages travel is their kernel's transport: here
:class:`LocalKernel` (jupyter_client over unix sockets); ``benchmarks/classroom_hub.py`` plays the same class on a
real JupyterHub, each kernel started by its student's server and spoken to through the proxy.

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
from classroom_table import print_table
from jupyter_client import KernelManager

ROOT = Path(__file__).resolve().parents[1]
SCREEN = "regress_widgets.lab.screen.Screen"
COLUMN_PX = 277  # a side-by-side column at 1280 × 800 with JupyterLab's file browser open (the browser tests' width)
PAGE_INTERVAL = 0.04  # a page sends a dragged slider's value at most 25 times a second
MISSING = 3.0  # seconds after which a change's frame counts as missing
LATE = 30.0  # seconds a page then still waits for that frame (it counts as late, with its latency, or as never)


def first_code_cell() -> str:
    nb = json.loads((ROOT / "notebooks" / "00_side_by_side.ipynb").read_text())
    return "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])


def percentile(values, q) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


class LocalKernel:
    """How a student's messages travel by default: jupyter_client to a kernel of this machine's, over unix sockets.

    A transport: ``start(on_iopub)`` (``on_iopub(msg_type, content)`` for every IOPub message, from a thread of its
    own), ``execute(code)`` → the reply's content, ``send_comm(comm, data)``, ``process`` (the kernel's), ``close()``.
    """

    def __init__(self, number: int, env: dict, folder: Path):
        self.km = KernelManager(kernel_name="python3", transport="ipc")  # unix sockets: 30 kernels starting at
        # once over TCP race for the same free ports ("Address already in use")
        self.km.connection_file = str(folder / "kernels" / f"kernel-{number}.json")
        self.km.ip = str(folder / "kernels" / f"k{number}")
        self.env, self.folder = env, folder
        self.listener: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self, on_iopub) -> None:
        self.km.start_kernel(env=self.env, cwd=str(self.folder))  # in the class's folder: a kernel started in a
        # repository's root imports regress_widgets from there, not the installed package (which a hub's kernel runs)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=300)
        self.listener = threading.Thread(target=self._listen, args=(on_iopub,), daemon=True)
        self.listener.start()

    def _listen(self, on_iopub) -> None:
        while not self._stop.is_set():
            try:
                msg = self.kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                continue
            on_iopub(msg["msg_type"], msg["content"])

    def execute(self, code: str) -> dict:
        msg_id = self.kc.execute(code)
        reply = self.kc.get_shell_msg(timeout=300)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.kc.get_shell_msg(timeout=300)
        return reply["content"]

    def send_comm(self, comm: str, data: dict) -> None:
        self.kc.shell_channel.send(self.kc.session.msg("comm_msg", {"comm_id": comm, "data": data}))

    @property
    def process(self) -> psutil.Process:
        return psutil.Process(self.km.provisioner.process.pid)

    def close(self) -> None:
        self._stop.set()
        if self.listener is not None:
            self.listener.join()
        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
        self.km.shutdown_kernel(now=True)


class Student:
    """One student's page, driving their kernel over the ipywidgets comm protocol (through ``kernel``, a transport:
    :class:`LocalKernel` or classroom_hub's ``HubKernel``)."""

    def __init__(self, number: int, kernel):
        self.number = number
        self.kernel = kernel
        self.comms: dict[str, dict] = {}  # comm id → the widget's state as opened
        self.screens: list[str] = []
        self.sliders: list[str] = []  # the lr sliders, one per column
        self.frames: queue.Queue = queue.Queue()  # (time, comm id, whole) of every frame message
        self.first_figure: float | None = None
        self.latencies: list[float] = []
        self.changes = 0
        self.missing = 0
        self.late: list[float] = []  # latencies of the frames that came after MISSING s
        self.error: str | None = None
        self._stop = threading.Event()

    # --- the kernel
    def open(self, started: float) -> None:
        """Start the kernel, run the notebook's first cell, show the figures as a page would; time the first."""
        try:
            self.kernel.start(self._on_iopub)
            reply = self.kernel.execute(first_code_cell())
            if reply["status"] != "ok":
                raise RuntimeError(f"the cell failed: {reply.get('evalue')}")
            pending = set(self.screens)
            for comm in self.screens:  # the page renders each figure: ready, then the column's width
                self.kernel.send_comm(comm, {"method": "custom", "content": {"type": "ready"}})
                self.kernel.send_comm(comm, {"method": "update", "state": {"width": COLUMN_PX, "pixel_ratio": 1.0},
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

    def _on_iopub(self, kind: str, content: dict) -> None:
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
            self.kernel.send_comm(slider, {"method": "update", "state": {"value": value}, "buffer_paths": []})
            self.changes += 1
            at = self._frame_within(MISSING)
            if at is None:  # no frame within MISSING s: counted apart, never as a latency; late, or never
                self.missing += 1
                self.late += [late - sent for late in [self._frame_within(LATE)] if late is not None]
            else:
                self.latencies.append(at - sent)
            self._drain()
            time.sleep(max(0.0, PAGE_INTERVAL - (time.perf_counter() - sent)))

    def _frame_within(self, seconds: float) -> float | None:
        try:
            return self.frames.get(timeout=seconds)[0]
        except queue.Empty:
            return None

    def lesson(self, until: float, drag: float, pause: float, seed: int) -> None:
        rng = random.Random(seed)
        time.sleep(rng.uniform(0, drag + pause))  # the class does not move in step
        while time.perf_counter() + drag < until and not self._stop.is_set():
            self.drag(rng.uniform(0.8, 1.2) * drag, rng)
            time.sleep(rng.uniform(0.8, 1.2) * pause)

    def close(self) -> None:
        self._stop.set()
        self.kernel.close()


def cpu(processes) -> float:
    """CPU seconds (user + system) the processes have used."""
    return sum(t.user + t.system for t in (p.cpu_times() for p in processes))


def memory(processes) -> dict:
    """RSS and PSS (MB) of each process, median and total; PSS None (and ``pss_error`` why) where unreadable."""
    rss = [p.memory_info().rss / 2**20 for p in processes]
    out = {"count": len(rss), "rss_mb_median": statistics.median(rss), "rss_mb_max": max(rss),
           "rss_mb_total": sum(rss), "pss_mb_median": None, "pss_mb_total": None, "pss_error": None}
    try:
        pss = [p.memory_full_info().pss / 2**20 for p in processes]
        out.update(pss_mb_median=statistics.median(pss), pss_mb_total=sum(pss))
    except (psutil.Error, OSError, AttributeError) as err:  # AccessDenied on another user's smaps; no PSS off Linux
        out["pss_error"] = f"{type(err).__name__}: {err}"
    return out


class LocalRoom:
    """The default room: every kernel a child of this process (:class:`LocalKernel`); nothing else runs for it."""

    label = "jupyter_client over IPC"

    def __init__(self, n: int, args, folder: Path):
        for sub in ("ipython", "mpl", "numba-empty", "kernels"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        self.env, self.folder = dict(os.environ), folder
        self.env.update(IPYTHONDIR=str(folder / "ipython"), MPLCONFIGDIR=str(folder / "mpl"),
                        JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1")
        if args.cold:
            self.env["NUMBA_CACHE_DIR"] = str(folder / "numba-empty")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:  # a hub's room stops its hub here
        pass

    def kernel(self, number: int) -> LocalKernel:
        return LocalKernel(number, self.env, self.folder)

    def others(self) -> dict[str, list[psutil.Process]]:
        """The processes besides the kernels that serve the class, by what they are: none here."""
        return {}

    def notes(self) -> list[str]:
        return []


def warm(room) -> None:
    """One student opens the notebook first: the numba cache (and the OS's file cache) are warm."""
    s = Student(0, room.kernel(0))
    s.open(time.perf_counter())
    s.close()
    if s.error:
        raise SystemExit(f"the warm-up student's notebook did not open: {s.error}")


def run_class(n: int, args, folder: Path, room_type=LocalRoom) -> dict:
    here = folder / f"class{n}"
    here.mkdir(parents=True, exist_ok=True)
    with room_type(n, args, here) as room:
        return play(n, args, room)


def together(threads: list[threading.Thread]) -> None:
    """Start them all, then wait for each."""
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def play(n: int, args, room) -> dict:
    if not args.cold:
        warm(room)
    students = [Student(i + 1, room.kernel(i + 1)) for i in range(n)]
    started = time.perf_counter()
    together([threading.Thread(target=s.open, args=(started,)) for s in students])
    errors = [s.error for s in students if s.error]
    live = [s for s in students if not s.error]
    if not live:
        raise SystemExit("no student's notebook opened:\n" + "\n".join(errors))
    first = [s.first_figure for s in live]
    kernels = [s.kernel.process for s in live]
    others = room.others()
    cpu0, others0 = cpu(kernels), {k: cpu(v) for k, v in others.items()}
    idle0 = time.perf_counter()
    time.sleep(args.idle)
    idle_wall = time.perf_counter() - idle0
    idle_cpu = cpu(kernels) - cpu0
    others_idle = {k: cpu(v) - others0[k] for k, v in others.items()}
    cpu0, others0 = cpu(kernels), {k: cpu(v) for k, v in others.items()}
    psutil.cpu_percent(None)
    until = time.perf_counter() + args.minutes * 60
    together([threading.Thread(target=s.lesson, args=(until, args.drag, args.pause, 1000 * n + s.number))
              for s in live])
    machine_cpu = psutil.cpu_percent(None)
    used = cpu(kernels) - cpu0
    latencies = [x for s in live for x in s.latencies]
    changes = sum(s.changes for s in live)
    mem = memory(kernels)
    other = {k: memory(v) | {"cpu_ms_per_change": 1e3 * (cpu(v) - others0[k]) / max(changes, 1),
                             "idle_cpu_percent_of_a_core": 100 * others_idle[k] / idle_wall}
             for k, v in others.items()}
    for s in students:
        s.close()
    return {
        "students": n, "transport": room.label, "opened": len(live), "errors": errors, "notes": room.notes(),
        "first_figure_median_s": statistics.median(first), "first_figure_max_s": max(first),
        "changes": changes, "missing_frames": sum(s.missing for s in live),
        "late_s": sorted(t for s in live for t in s.late), "missing_after_s": MISSING, "late_within_s": LATE,
        "changes_per_s": changes / (args.minutes * 60),
        "latency_p50_ms": 1e3 * percentile(latencies, 50), "latency_p95_ms": 1e3 * percentile(latencies, 95),
        "latency_p99_ms": 1e3 * percentile(latencies, 99),
        "cpu_ms_per_change": 1e3 * used / max(changes, 1), "machine_cpu_percent": machine_cpu,
        "idle_cpu_percent_of_a_core": 100 * idle_cpu / idle_wall,
        **{k: mem[k] for k in ("rss_mb_median", "rss_mb_max", "pss_mb_median", "pss_error")}, "others": other,
        "rss_gb_total": mem["rss_mb_total"] / 1024, "pss_gb_total": mem["pss_mb_total"] and mem["pss_mb_total"] / 1024,
    }


def main(argv=None, room_type=LocalRoom) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[10, 20, 30])
    parser.add_argument("--drag", type=float, default=3.0, help="seconds a student drags")
    parser.add_argument("--pause", type=float, default=6.0, help="seconds a student pauses between drags")
    parser.add_argument("--minutes", type=float, default=1.0, help="how long the class plays, per N")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of silence measured before the class plays")
    parser.add_argument("--cold", action="store_true", help="every kernel starts with an empty numba cache")
    parser.add_argument("--json", action="store_true")
    getattr(room_type, "arguments", lambda parser: None)(parser)  # a room's own options
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows = []
    with tempfile.TemporaryDirectory(prefix="rw-classroom-") as tmp:
        for n in args.students:
            print(f"class of {n} …", file=sys.stderr, flush=True)
            rows.append(run_class(n, args, Path(tmp), room_type))
            if not args.json:  # each class as it ends (a long run's first rows are not lost)
                print_table(rows[-1:], cores, args.cold)
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
