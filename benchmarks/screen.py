"""What one slider move costs the kernel, up to the bytes that leave for the browser: the Lab's screen
against ipympl's canvas as ipympl ships it, in the same run.

    python benchmarks/screen.py [--width PX] [--moves N]

Each recipe's Lab takes ``--moves`` lr moves up and back down, as a drag does, three ways:

* ipympl (as shipped): the move, then what ipympl's canvas does when the browser asks for the picture
  (draw, the changed pixels, Pillow's PNG at its default level: matplotlib's web backend);
* ipympl, pushed: the same canvas drawn from the change handler with the fast PNG (``display="ipympl"``);
* screen: the Lab's screen widget (``display="screen"``, the default in a kernel), its figure fitted to
  ``--width`` px (516: JupyterLab at 1280 px with the file browser open; ipympl's figure is 794 × 446 px).

Printed: the median ms per move and the ratio to ipympl as shipped. Not here: the browser's side (the draw
request's round trip, the ipympl front end re-encoding each frame as a data URL): tests/test_browser_lab.py
measures the whole way in a real browser.
"""

from __future__ import annotations

import argparse
import time
import types

import numpy as np
from matplotlib.backends.backend_webagg_core import FigureCanvasWebAggCore

from regress_widgets import RECIPES, Lab


def _ipympl_lab(name: str, shipped: bool) -> Lab:
    lab = Lab(name, display="ipympl")
    canvas = lab.figure.canvas
    canvas.syncing_data_url = False  # as after the browser said "initialized"
    canvas.send = lambda *args, **kwargs: None
    if shipped:  # matplotlib's own frame (Pillow's PNG), drawn when the browser's request comes
        canvas.get_diff_image = types.MethodType(FigureCanvasWebAggCore.get_diff_image, canvas)
        lab.view.refresh = lambda: canvas.handle_draw({"type": "draw"})
    return lab


def _screen_lab(name: str, width: int) -> Lab:
    lab = Lab(name, display="screen")
    screen = lab.view.widget
    screen.send = lambda *args, **kwargs: None  # no browser: the bytes go nowhere
    screen._heard(screen, {"type": "ready"}, [])
    screen.width = width
    return lab


def per_move(lab: Lab, moves: int) -> float:
    """Median seconds of ``lab.set(lr=…)``, the frame included."""
    lrs = np.geomspace(lab.recipe.lr, lab.recipe.lr * 3, moves)
    times = []
    for lr in np.concatenate([lrs, lrs[::-1]]):
        start = time.perf_counter()
        lab.set(lr=float(f"{lr:.4g}"))
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=516)
    parser.add_argument("--moves", type=int, default=30)
    args = parser.parse_args()
    print(f"median ms per lr move (screen figure {args.width} px wide; ratio: ipympl as shipped / this way)")
    print(f"{'recipe':8} {'ipympl as shipped':>18} {'ipympl pushed':>14} {'ratio':>6} {'screen':>8} {'ratio':>6}")
    for name in RECIPES:
        shipped = per_move(_ipympl_lab(name, shipped=True), args.moves)
        pushed = per_move(_ipympl_lab(name, shipped=False), args.moves)
        screen = per_move(_screen_lab(name, args.width), args.moves)
        print(f"{name:8} {shipped * 1000:18.1f} {pushed * 1000:14.1f} {shipped / pushed:6.2f} "
              f"{screen * 1000:8.1f} {shipped / screen:6.2f}")


if __name__ == "__main__":
    main()
