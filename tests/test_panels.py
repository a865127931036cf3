"""The panels, headless (Agg): artists show the run's own numbers, divergence is said, PNGs are real."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import regress_widgets as rw  # noqa: E402
from regress_widgets.cli import main  # noqa: E402
from regress_widgets.panels import MAX_POINTS, Panels, nice_ceil, save_png, thin  # noqa: E402
from regress_widgets.theory.verdict import verdict  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")


def _panels(name, **overrides):
    run = rw.train(name, seed=0, **overrides)
    landscape = rw.Landscape.for_recipe(run.recipe, 0)
    panels = Panels(run.recipe)
    panels.update(run, landscape)
    return panels, run


def _not_blank(path, size=(1280, 720)):
    image = Image.open(path)
    assert image.size == size
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    colours = len(np.unique(pixels[:: 7], axis=0))
    assert colours > 200, f"only {colours} colours: blank?"
    assert (pixels.min(axis=1) < 128).mean() > 0.01  # dark ink: text, lines
    assert (pixels.min(axis=1) > 240).mean() > 0.4  # and a white page


def test_thin_keeps_first_and_last():
    assert list(thin(5, 10)) == [0, 1, 2, 3, 4, 5]
    idx = thin(25_000, MAX_POINTS)
    assert idx[0] == 0 and idx[-1] == 25_000 and len(idx) <= MAX_POINTS
    assert np.all(np.diff(idx) > 0)


@pytest.mark.parametrize("name", list(rw.RECIPES))
def test_path_is_the_runs_own_theta(name):
    panels, run = _panels(name)
    i, j = panels.pair
    x, y = panels.contour.path_line.get_data()
    steps = panels.contour.path_steps
    assert steps[0] == 0 and steps[-1] == run.steps
    np.testing.assert_array_equal(x, run.theta[steps, i])
    np.testing.assert_array_equal(y, run.theta[steps, j])
    if run.steps + 1 <= MAX_POINTS:
        assert len(steps) == run.steps + 1
    # parameters vs iteration and the loss show the same run
    for k, line in enumerate(panels.params.lines):
        np.testing.assert_array_equal(line.get_ydata(), run.theta[panels.params.steps, k])
    assert panels.params.steps[0] == 0 and panels.params.steps[-1] == run.steps
    assert panels.status.kind == "converged"
    assert not panels.contour.alarm.get_visible()


def test_scrubbing_grows_the_path():
    panels, run = _panels("pytorch")
    panels.set_position(10)
    x, _ = panels.contour.path_line.get_data()
    np.testing.assert_array_equal(x, run.theta[:11, 0])
    assert panels.contour.now_mark.get_xdata()[0] == run.theta[10, 0]
    assert panels.loss.now_line.get_xdata()[0] == 10


def test_pair_and_zoom():
    panels, run = _panels("mxnet")
    panels.set_pair(0, 2)
    x, y = panels.contour.path_line.get_data()
    np.testing.assert_array_equal(y, run.theta[panels.contour.path_steps, 2])
    assert "w1 held at" in panels.contour.held_text.get_text()
    follow = panels.contour.ax.get_xlim()
    panels.set_zoom("basin")
    assert panels.contour.ax.get_xlim() != follow
    with pytest.raises(ValueError):
        panels.set_pair(1, 1)


def test_diverged_run_is_drawn_up_to_the_divergence_and_says_so():
    landscape = rw.Landscape.for_recipe("pytorch", 0)
    panels, run = _panels("pytorch", lr=10 * landscape.lr_max)
    assert run.diverged_at is not None
    assert panels.status.kind == "diverged"
    assert panels.contour.alarm.get_visible()
    assert panels.contour.alarm.get_text() == f"diverged at step {run.diverged_at}"
    x, _ = panels.contour.path_line.get_data()
    assert np.all(np.isfinite(x)) and panels.contour.path_steps[-1] == run.diverged_at - 1
    panels.figure.canvas.draw()  # no warnings (they are errors here)


def test_diverging_but_finite_is_flagged():
    landscape = rw.Landscape.for_recipe("pytorch", 0)
    run = rw.train("pytorch", seed=0, lr=1.2 * landscape.lr_max)
    status = verdict(run, landscape)
    assert status.kind in ("diverging", "diverged")
    if run.diverged_at is None:
        assert "stability limit" in status.text


@pytest.mark.parametrize("name, layout", [(name, "full") for name in rw.RECIPES] + [("pytorch", "compact")])
def test_cached_frames_equal_a_fresh_drawing(name, layout):
    """After many updates served from cached layers, the picture is exactly the one a fresh figure draws."""
    recipe = rw.RECIPES[name]
    limit = rw.Landscape.for_recipe(recipe, 0).lr_max
    panels = Panels(recipe, layout=layout)
    lands = {}
    for k, (lr, noise) in enumerate([(recipe.lr, recipe.noise), (recipe.lr * 3, recipe.noise),
                                     (min(3 * limit, 10), recipe.noise), (recipe.lr / 2, 2 * recipe.noise),
                                     (recipe.lr, recipe.noise)]):
        r = recipe.with_settings(lr=lr, noise=noise)
        landscape = lands.setdefault(noise, rw.Landscape.for_recipe(r, 0))
        run = rw.train(r, seed=0)
        panels.update(run, landscape)
        if k == 1:
            panels.add_ghost(run)
            panels.set_pair(1, 0)
        panels.figure.canvas.draw()
    panels.set_position(run.steps // 3)
    panels.figure.canvas.draw()
    fresh = Panels(recipe, pair=(1, 0), layout=layout)
    fresh.update(run, landscape, position=run.steps // 3)
    fresh.add_ghost(panels.ghosts[0])
    fresh.figure.canvas.draw()
    a = np.asarray(panels.figure.canvas.buffer_rgba())
    b = np.asarray(fresh.figure.canvas.buffer_rgba())
    assert sum(ax.cache_hits for ax in panels.figure.axes) > 0
    np.testing.assert_array_equal(a, b)


def test_nice_ceil():
    assert nice_ceil(0.31) == pytest.approx(0.4)
    assert nice_ceil(7) == 8
    assert nice_ceil(1000) == 1000


@pytest.mark.parametrize("name", list(rw.RECIPES))
def test_save_png(name, tmp_path):
    run = rw.train(name, seed=0)
    save_png(run, tmp_path / "p.png")
    _not_blank(tmp_path / "p.png")


@pytest.mark.parametrize("layout", ["full", "compact", 516, 700, 1000, 1100])
def test_cached_regions_keep_clear_of_what_is_drawn_afresh(layout):
    """Each panel pastes back the pixels it copied. Its region may overlap the region of a panel drawn before it (a
    frameless legend over the next panel's tick labels, a label deeper than its margin): where those pixels are
    cached too, a fresh copy of them makes it copy again (cached_axes). Never where a panel drawn before it draws
    afresh (its dynamic artists): those pixels would be pasted back stale. (A framed legend's opaque box covers all
    it pastes, by design.) ``layout``: a name, or a width the page gives (panels/fit.py)."""
    from matplotlib.transforms import Bbox

    from regress_widgets.panels.cached_axes import CachedAxes, LegendLayer
    from regress_widgets.panels.fit import fit

    shape = fit(layout) if isinstance(layout, int) else layout
    panels = Panels(rw.RECIPES["caffe2"], layout=shape)
    panels.update(rw.train("caffe2", seed=0), rw.Landscape.population(rw.RECIPES["caffe2"]))
    panels.figure.canvas.draw()
    renderer = panels.figure.canvas.get_renderer()
    order = sorted((a for a in panels.figure.axes if isinstance(a, CachedAxes)), key=lambda a: a.get_zorder())
    checked = 0
    for n, later in enumerate(order):
        if isinstance(later, LegendLayer) and later.get_legend().get_frame_on():
            continue
        region = later.region(renderer)
        for earlier in order[:n]:
            for artist in earlier._dynamic:
                if not artist.get_visible():
                    continue
                box = artist.get_window_extent(renderer)
                if artist.get_clip_on():
                    box = Bbox.intersection(box, earlier.bbox)
                if box is None or box.width <= 0 or box.height <= 0:
                    continue
                checked += 1
                w = min(box.x1, region.x1) - max(box.x0, region.x0)
                h = min(box.y1, region.y1) - max(box.y0, region.y0)
                assert w <= 0 or h <= 0, (later.get_label(), artist, box, region)
    assert checked > 10


def test_compact_layout(tmp_path):
    panels, run = _panels("mxnet")
    compact = Panels(run.recipe, layout="compact")
    compact.update(run, panels.landscape)
    assert compact.data is None and compact.params is None and compact.schedule is None
    np.testing.assert_array_equal(compact.contour.path_line.get_xdata(), panels.contour.path_line.get_xdata())
    compact.set_position(100)
    compact.figure.savefig(tmp_path / "c.png")
    _not_blank(tmp_path / "c.png", size=(272, 540))


def test_cli_run_png(tmp_path, capsys):
    path = tmp_path / "run.png"
    assert main(["run", "pytorch", "--epochs", "5", "--png", str(path)]) == 0
    assert "panels written to" in capsys.readouterr().out
    _not_blank(path)
    assert main(["run", "pytorch", "--png", str(tmp_path / "missing" / "x.png")]) == 2
    assert "--png" in capsys.readouterr().err
