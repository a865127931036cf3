"""The Lab driven from code, headless (Agg): every control reaches the engine and the picture."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")


import numpy as np  # noqa: E402
import pytest  # noqa: E402

import regress_widgets as rw  # noqa: E402
from regress_widgets.lab import Lab, SideBySide
from regress_widgets.lab.screen import views

pytestmark = pytest.mark.filterwarnings("error")


def assert_shows(lab):
    """The drawn path is the run's own θ (for the plotted pair) up to the play position, and the run is
    exactly what the engine gives for the controls' values."""
    run = lab.run
    i, j = lab.panels.pair
    steps = lab.panels.contour.path_steps
    x, y = lab.panels.contour.path_line.get_data()
    assert steps[0] == 0 and steps[-1] == min(lab.position, run.last_finite)
    np.testing.assert_array_equal(x, run.theta[steps, i])
    np.testing.assert_array_equal(y, run.theta[steps, j])
    settings = {name: lab.controls[name].value for name in ("lr", "gamma", "stepsize", "batch_size", "noise",
                                                             *rw.recipes.settings.OPTIMIZER_SETTINGS)}
    length = "steps" if run.recipe.epochs is None else "epochs"
    settings[length] = lab.controls[length].value
    expected = rw.train(run.recipe.name, seed=lab.controls["seed"].value, **settings)
    np.testing.assert_array_equal(run.theta, expected.theta)


def shown(widget) -> list:
    """Every widget inside ``widget`` (its children, theirs, ...): what the Lab puts on the page."""
    out = []
    for child in getattr(widget, "children", ()):
        out += [child, *shown(child)]
    return out


@pytest.fixture(scope="module")
def lab():
    return Lab("pytorch", display="none")


@pytest.mark.parametrize("name, value", [
    ("lr", 0.03), ("gamma", 0.5), ("stepsize", 3), ("batch_size", 5), ("noise", 1.5), ("epochs", 12),
    ("seed", 7),
])
def test_each_control_reaches_the_run(lab, name, value):
    lab.reset()
    before = lab.run
    lab.controls[name].value = value
    run = lab.run
    assert run is not before
    if name == "seed":
        assert run.seed == value
    else:
        assert getattr(run.recipe, name) == pytest.approx(value)
    assert_shows(lab)
    lab.draw()


def test_what_a_change_recomputes(lab):
    lab.reset()
    data, stream = lab.landscape, lab.run.stream
    for name, value in (("lr", 0.02), ("gamma", 0.9), ("stepsize", 10)):
        lab.controls[name].value = value
        assert lab.run.stream is stream and lab.landscape is data  # engine only
    lab.controls["batch_size"].value = 10
    assert lab.run.stream is not stream and lab.landscape is data  # same data, cut anew
    lab.controls["noise"].value = 0.25
    assert lab.landscape is not data  # new data and contours
    data = lab.landscape
    lab.controls["seed"].value = 3
    assert lab.landscape is not data


def test_caffe2_steps_and_planes():
    lab = Lab("caffe2", display="none")
    lab.controls["steps"].value = 40
    assert lab.run.steps == 40
    lab.controls["pair"].value = (0, 2)
    assert lab.panels.pair == (0, 2)
    assert_shows(lab)
    lab.controls["zoom"].value = "basin"
    assert lab.panels.zoom == "basin"
    lab.controls["recipe"].value = "mxnet"
    assert lab.run.recipe.name == "mxnet" and lab.run.steps == 25_000
    assert lab.controls["epochs"].layout.display is None and lab.controls["steps"].layout.display == "none"
    assert_shows(lab)
    assert len(lab.panels.contour.path_steps) <= 1200
    lab.controls["reset"].click()
    assert lab.recipe.settings == rw.RECIPES["mxnet"].settings


def test_play_and_scrub(lab):
    lab.reset()
    lab.position = 20
    assert lab.panels.position == 20 and lab.controls["step"].value == 20
    assert_shows(lab)
    lab.controls["play"].value = True  # play, with no event loop to keep time by: straight to the end
    assert lab.panels.position == lab.run.steps and lab.controls["play"].value is False
    assert lab.player.frames == -(-(lab.run.steps - 20) // -(-lab.run.steps // 200))
    lab.position = 30
    lab.controls["lr"].value = 0.02  # a paused position is kept for the new run
    assert lab.position == 30
    assert_shows(lab)
    lab.position = lab.run.steps


def test_pins(lab):
    lab.reset()
    lab.clear_pins()
    lab.controls["pin"].click()
    lab.controls["lr"].value = 0.05
    lab.pin()
    assert len(lab.pins) == 2 and len(lab.panels.ghosts) == 2
    assert lab.pins_table.value.count("<tr>") == 3
    lab.controls["clear_pins"].click()
    assert lab.pins == [] and lab.panels.ghosts == []


def test_storm_ends_showing_exactly_the_last_values():
    lab = Lab("mxnet", display="none")
    rng = np.random.default_rng(1)
    last = {}
    for _ in range(500):
        name = str(rng.choice(["lr", "gamma", "stepsize", "batch_size", "lr", "lr"]))
        value = {"lr": float(10 ** rng.uniform(-5, -3)), "gamma": float(rng.uniform(0.5, 1.0)),
                 "stepsize": int(rng.integers(100, 5000)), "batch_size": int(rng.integers(8, 64))}[name]
        lab.controls[name].value = value
        last[name] = lab.controls[name].value
    for name, value in last.items():
        assert getattr(lab.run.recipe, name) == value
    lab.draw()
    assert_shows(lab)
    assert lab.panels.contour.path_steps[-1] == lab.run.steps


@pytest.mark.parametrize("name", list(rw.RECIPES))
def test_divergence_is_shown_without_warnings(name):
    lab = Lab(name, display="none")
    lr = min(10 * lab.landscape.lr_max, 10.0)  # the recipes accept lr ≤ 10
    lab.controls["lr"].value = lr
    assert lab.run.recipe.lr == pytest.approx(lr, rel=1e-9)
    # caffe2 accepts only 5× its limit (lr ≤ 10) and decays it: its loss explodes but stays finite
    kind = "diverging" if name == "caffe2" else "diverged"
    assert lab.status.kind == kind
    assert lab.panels.contour.alarm.get_visible() and kind in lab.panels.contour.alarm.get_text()
    assert "past the stability limit" in lab.lr_info.value
    assert kind in lab.readout.value
    assert_shows(lab)
    lab.draw()


def test_bad_values_are_clamped_or_refused_and_it_keeps_working():
    lab = Lab("pytorch", display="none")
    lab.controls["lr"].value = 1e6
    assert lab.controls["lr"].value == 10 and lab.run.recipe.lr == 10
    assert "outside the slider's range [0.0001, 10]" in lab.message and "10" in lab.readouts.notes["lr"].value
    lab.controls["batch_size"].value = 10_000
    assert lab.run.recipe.batch_size == 50
    lab.controls["lr"].value = float("nan")
    assert "Refused" in lab.message and lab.controls["lr"].value == 10
    lab.controls["steps"].value = 30  # pytorch counts epochs
    assert "Refused" in lab.message and lab.run.recipe.epochs == 25
    lab.controls["seed"].value = -5
    assert lab.controls["seed"].value == 0
    lab.controls["lr"].value = 0.02  # still alive
    assert lab.run.recipe.lr == 0.02 and lab.message == ""
    assert_shows(lab)
    with pytest.raises(rw.InvalidSetting):
        lab.set(lr=-1)
    assert lab.set(lr=0.03, batch_size=4).recipe.batch_size == 4


def test_png_view_renders_each_change():
    lab = Lab("caffe2", display="png")
    assert lab.display_mode == "png"
    image = lab.view.widget
    assert image in shown(lab) and image.value[:8] == b"\x89PNG\r\n\x1a\n"
    renders = lab.view.renders
    lab.controls["gamma"].value = 0.5
    assert lab.view.renders == renders + 1 and lab.view.widget.value[:4] == b"\x89PNG"


def test_the_screen_inside_a_kernel(monkeypatch):
    monkeypatch.setattr(views, "in_kernel", lambda: True)
    assert views.choose_display("auto") == "screen"


def test_ipympl_canvas_when_available():
    pytest.importorskip("ipympl")
    lab = Lab("pytorch", display="ipympl")
    from ipympl.backend_nbagg import Canvas

    assert isinstance(lab.figure.canvas, Canvas) and lab.figure.canvas in shown(lab)
    lab.controls["lr"].value = 0.02
    assert_shows(lab)


def test_headless_outside_a_kernel():
    assert views.choose_display("auto") == "none"


def test_side_by_side_shares_seed_and_play_position():
    sbs = SideBySide(display="none")
    assert set(sbs.labs) == set(rw.RECIPES)
    sbs.seed.value = 4
    assert all(lab.run.seed == 4 for lab in sbs.labs.values())
    sbs.progress.value = 0.5
    for lab in sbs.labs.values():
        assert lab.position == round(0.5 * lab.run.steps)
        assert_shows(lab)
    sbs.labs["pytorch"].controls["lr"].value = 0.02
    assert sbs.runs["pytorch"].recipe.lr == 0.02 and sbs.runs["caffe2"].recipe.lr == 0.1
    sbs.play.value = True  # no event loop here: the play goes straight to the end
    assert all(lab.position == lab.run.steps for lab in sbs.labs.values()) and sbs.player.frames == 100


def test_a_failing_recompute_is_reported_and_the_lab_keeps_working(monkeypatch):
    from regress_widgets.lab.controls import compute

    lab = Lab("pytorch", display="none")
    before = lab.run

    def broken(*args, **kwargs):
        raise MemoryError("no room")

    monkeypatch.setattr(compute, "train", broken)
    lab.controls["gamma"].value = 0.5
    assert "Could not run" in lab.message and lab.controls["gamma"].value == 1.0
    assert lab.run is before and lab.recipe.gamma == 1.0
    monkeypatch.undo()
    lab.controls["gamma"].value = 0.7
    assert lab.run.recipe.gamma == 0.7 and lab.message == ""
    assert_shows(lab)


def test_reprs_css_classes_and_the_side_by_side_columns():
    lab = Lab("pytorch", display="none")
    assert repr(lab).startswith("Lab('pytorch', lr=0.01, ") and len(repr(lab)) < 200
    assert "rw-lab-pytorch" in lab._dom_classes and "rw-readout" in lab.readout._dom_classes
    assert "rw-lr-info" in lab.lr_info._dom_classes
    lab.controls["recipe"].value = "mxnet"
    assert "rw-lab-mxnet" in lab._dom_classes and "rw-lab-pytorch" not in lab._dom_classes
    assert "converged — converged" not in lab.readout.value and "converged" in lab.readout.value
    side = SideBySide(display="none")
    assert repr(side) == "SideBySide(['caffe2', 'mxnet', 'pytorch'], seed=0)"
    for column in side.labs.values():
        on_page = shown(column)
        assert column.controls["seed"] not in on_page  # the shared seed sets it
        assert not column.more.is_open and column.more.body.layout.display == "none"  # "more settings": closed
        assert column.controls["gamma"] in shown(column.more) and column.controls["lr"] not in shown(column.more)


def test_a_value_typed_in_the_browser_is_kept():
    lab = Lab("pytorch", display="none")
    lab.controls["lr"].set_state({"value": 10 ** -1.301})  # the handle's grid point nearest 0.05
    assert lab.controls["lr"].value == 0.05 and lab.run.recipe.lr == 0.05
