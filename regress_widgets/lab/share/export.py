"""Pictures for slides: the Lab's panels as PNG, SVG or PDF at a chosen size and DPI, and the run as an animation
(GIF with Pillow, MP4 with ffmpeg) — the path growing over the contours, the loss curve with it.

Both draw on a fresh Agg figure of the full layout (the Lab's own figure keeps the size the page gave it), from
the frame the Lab shows: the same run, pins, real run, plane and zoom. The animation plays the run from step 0
to its last step in ``frames`` evenly spaced positions, through matplotlib's animation writers, with a tqdm
progress bar.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ...panels import LAYOUTS, Frame, Panels
from ...recipes.tutorials import InvalidSetting, Recipe
from ..controls.readouts import WARN_COLOR

PICTURES = (".png", ".svg", ".pdf")
ANIMATIONS = (".gif", ".mp4")
MAX_FRAMES = 1000
MAX_FPS = 60


def check_path(path, suffixes: tuple[str, ...], option: str = "path") -> Path:
    """A file that can be written: a name ending in one of ``suffixes``, in an existing, writable folder."""
    allowed = f"a file name ending in {' or '.join(suffixes)}, in a folder that exists and can be written"
    if not isinstance(path, (str, os.PathLike)) or not str(path) or Path(path).suffix.lower() not in suffixes \
            or os.path.isdir(path):
        raise InvalidSetting(option, allowed, path)
    folder = Path(path).parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InvalidSetting(option, allowed + f" ({folder} is not a writable folder)", str(path))
    return Path(path)


def _check_number(name: str, value, low: float, high: float, whole: bool = False):
    kind = "an integer" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high \
            or whole and int(value) != value:
        raise InvalidSetting(name, f"{kind} in [{low:g}, {high:g}]", value)
    return int(value) if whole else float(value)


def _check_size(size) -> tuple[float, float]:
    try:
        w, h = (float(v) for v in size)
    except (TypeError, ValueError):
        raise InvalidSetting("size", "(width, height) in inches, each in [1, 40]", size) from None
    if not (1 <= w <= 40 and 1 <= h <= 40):
        raise InvalidSetting("size", "(width, height) in inches, each in [1, 40]", size)
    return w, h


def panels_for(recipe: Recipe, size=None, dpi: float = 100, language: str = "en") -> Panels:
    """Fresh panels of the full layout for ``recipe`` on an Agg figure of ``size`` inches (default 12.8 × 7.2)."""
    layout = LAYOUTS["full"]
    size = layout.figsize if size is None else _check_size(size)
    dpi = _check_number("dpi", dpi, 10, 600)
    return Panels(recipe, Figure(figsize=size, dpi=dpi), layout="full", language=language)


def save_picture(recipe: Recipe, frame: Frame, path, *, size=None, dpi: float = 150, cover=None,
                 language: str = "en") -> Path:
    """Draw ``frame`` and write it to ``path``: .png, .svg or .pdf (the format from the suffix). ``cover(panels,
    frame)``, when given, draws on the panels after the frame (a prediction: its guess, or its veil)."""
    path = check_path(path, PICTURES)
    panels = panels_for(recipe, size, dpi, language)
    panels.show(frame)
    if cover is not None:
        cover(panels, frame)
    panels.figure.savefig(path, format=path.suffix[1:].lower(), dpi=dpi, facecolor="white")
    return path


def positions(steps: int, frames: int) -> np.ndarray:
    """``frames`` evenly spaced steps from 0 to ``steps`` (all different: at most steps + 1 of them)."""
    return np.unique(np.round(np.linspace(0, steps, frames)).astype(int))


def save_animation(recipe: Recipe, frame: Frame, path, *, frames: int | None = None, fps: float = 15, size=None,
                   dpi: float = 80, progress: bool | None = True, language: str = "en") -> Path:
    """Write the run of ``frame`` playing from step 0 to its end as a GIF (Pillow) or an MP4 (ffmpeg): ``frames``
    pictures (default 60, or one per step of a shorter run; at most one per step, so every picture differs),
    ``fps`` a second. ``progress=False``: no progress bar."""
    from matplotlib import animation
    from tqdm.auto import tqdm

    path = check_path(path, ANIMATIONS)
    steps = frame.run.steps
    frames = min(60, steps + 1) if frames is None else frames
    frames = _check_number("frames", frames, 2, min(MAX_FRAMES, steps + 1), whole=True)
    fps = _check_number("fps", fps, 1, MAX_FPS)
    if path.suffix.lower() == ".mp4":
        if not animation.writers.is_available("ffmpeg"):
            raise RuntimeError("an .mp4 needs ffmpeg, which is not installed here (apt-get install ffmpeg, or conda "
                               "install ffmpeg); save a .gif instead (Pillow writes it)")
        writer = animation.FFMpegWriter(fps=fps)
    else:
        writer = animation.PillowWriter(fps=fps)
    panels = panels_for(recipe, size, dpi, language)
    steps_shown = positions(steps, frames)

    def draw(step):
        panels.show(frame.moved(position=int(step)))
        return ()

    movie = animation.FuncAnimation(panels.figure, draw, frames=steps_shown, init_func=lambda: (), blit=False,
                                    repeat=False, cache_frame_data=False)
    with tqdm(total=len(steps_shown), desc=f"writing {path.name}", unit="frame", disable=progress is False) as bar:
        movie.save(path, writer=writer, dpi=dpi, savefig_kwargs={"facecolor": "white"},
                   progress_callback=lambda _i, _n: bar.update(1))
    return path


def save(lab, path, *, size=None, dpi: float = 150) -> Path:
    """``lab.save(path)``: the panels as the Lab shows them, written to ``path`` (.png, .svg or .pdf) at ``size``
    inches (default 12.8 × 7.2) and ``dpi`` (default 150: 1920 × 1080 px for a slide). A prediction is drawn as the
    Lab shows it: the student's guess beside the revealed run (or, still pending, the run hidden)."""
    prediction = lab.classroom.prediction
    cover = None if prediction is None else prediction.drawn_on
    return save_picture(lab.state.tutorial, lab.frame, path, size=size, dpi=dpi, cover=cover,
                        language=lab.state.language)


def animate(lab, path, *, frames: int | None = None, fps: float = 15, size=None, dpi: float = 80,
            progress: bool = True) -> Path:
    """``lab.save_animation(path)``: the Lab's run playing from step 0 to its end, the path growing over the
    contours and the loss curve with it, as a .gif or an .mp4 (see :func:`save_animation`)."""
    return save_animation(lab.state.tutorial, lab.frame, path, frames=frames, fps=fps, size=size, dpi=dpi,
                          progress=progress, language=lab.state.language)


def button(lab) -> None:
    """The export button: a PNG for slides in the current folder, a new name each time; the readout says where."""
    n = 1
    while os.path.exists(name := f"lab-{lab.state.tutorial.name}-{n:02d}.png"):
        n += 1
    try:
        where = lab.save(name).resolve()
    except (OSError, ValueError) as err:
        lab.readouts.say(lab.words("Could not export: {why}", why=err), color=WARN_COLOR)
        return
    lab.readouts.say(lab.words("saved {where}", where=where), color="#2a6e2a")
