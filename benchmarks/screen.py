"""What one slider move costs the kernel, up to the bytes that leave for the browser: the Lab's screen
against ipympl's canvas as ipympl ships it, in the same run.

    python benchmarks/screen.py [--width PX] [--moves N]

Each recipe's Lab takes ``--moves`` lr moves up and back down, as a drag does, three ways:

* ipympl (as shipped): the move, then what ipympl's canvas does when the browser asks for the picture
  (draw, the changed pixels, Pillow's PNG at its default level: matplotlib's web backend);
* ipympl, pushed: the same canvas drawn from the change handler with the fast PNG (``display="ipympl"``);
* screen: the Lab's screen widget (``display="screen"``, the default in a kernel), its figure fitted to
  ``--width`` px (516: JupyterLab at 1280 px with the file browser open; ipympl's figure is 794 × 446 px).

Printed: the median ms per move and the ratio to ipympl as shipped. Then, on the same frames (the pictures
of a drag and of a play, 516 px wide), what the screen sends: the boxes around the changed pixels
(``png.next_parts``, now) against one whole-size PNG of the changed pixels (``png.next_frame``, before).

Not here: the browser's side (the draw request's round trip, the ipympl front end re-encoding each frame
as a data URL): tests/test_browser_lab.py measures the whole way in a real browser.
"""

from __future__ import annotations

import argparse
import time
import types

import numpy as np
from matplotlib.backends.backend_webagg_core import FigureCanvasWebAggCore

from regress_widgets import RECIPES, Lab
from regress_widgets.lab.screen.png import next_frame, next_parts


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
    compare_parts(args.width, args.moves)


def frames_of(lab: Lab, moves: int, what: str) -> list[np.ndarray]:
    """The figure's pixels after each of ``moves`` lr moves (``what="drag"``) or play frames (``"play"``)."""
    out = []
    for k in range(moves):
        if what == "drag":
            lab.set(lr=float(f"{lab.recipe.lr * (1.02 if k % 2 else 0.98):.4g}"))
        else:
            lab.show_step(k * max(1, lab.run.steps // moves))
        out.append(np.asarray(lab.figure.canvas.buffer_rgba()).copy())
    return out


def per_frame(encode, frames: list[np.ndarray]) -> tuple[float, int]:
    """Median seconds to encode each frame after the one before, and the median bytes sent."""
    times, sizes = [], []
    for before, pixels in zip(frames, frames[1:], strict=False):
        last = before.view(np.uint32)[..., 0].copy()
        start = time.perf_counter()
        _, _, out = encode(pixels, last)
        times.append(time.perf_counter() - start)
        sizes.append(len(out) if isinstance(out, bytes) else sum(len(png) for *_, png in out))
    return float(np.median(times)), int(np.median(sizes))


def compare_parts(width: int, moves: int) -> None:
    print(f"\nwhat the screen sends a frame ({width} px wide): ms to encode, bytes; ratio: one whole-size PNG / parts")
    print(f"{'recipe':8} {'':5} {'whole-size':>16} {'parts':>16} {'ratio':>6}")
    for name in RECIPES:
        for what in ("drag", "play"):
            frames = frames_of(_screen_lab(name, width), moves, what)
            whole, whole_bytes = per_frame(next_frame, frames)
            parts, parts_bytes = per_frame(next_parts, frames)
            print(f"{name:8} {what:5} {whole * 1000:7.2f} {whole_bytes:8,} {parts * 1000:7.2f} {parts_bytes:8,} "
                  f"{whole / parts:6.2f}")


if __name__ == "__main__":
    main()
