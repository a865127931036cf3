"""The Lab's one owner of state, one frame per change, and a picture that states the current settings."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import html  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import regress_widgets as rw  # noqa: E402
from regress_widgets.lab import Lab, LabState, SideBySide  # noqa: E402
from regress_widgets.lab.controls.changes import resolve  # noqa: E402
from regress_widgets.lab.controls.sliders import shown_text  # noqa: E402
from regress_widgets.panels import Panels, make_frame  # noqa: E402
from regress_widgets.recipes.settings import TABLE  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")

MOVES = {  # a new value for every setting, per recipe
    "caffe2": {"lr": 0.05, "gamma": 0.5, "stepsize": 7, "batch_size": 4, "noise": 2.0, "steps": 60, "seed": 5},
    "mxnet": {"lr": 3e-4, "gamma": 0.8, "stepsize": 900, "batch_size": 16, "noise": 0.3, "epochs": 2, "seed": 5},
    "pytorch": {"lr": 0.03, "gamma": 0.7, "stepsize": 3, "batch_size": 5, "noise": 1.5, "epochs": 12, "seed": 5},
}
CASES = [(recipe, name) for recipe, moves in MOVES.items() for name in moves]


def _texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]


@pytest.fixture(scope="module")
def labs():
    return {name: Lab(name, display="none") for name in MOVES}


@pytest.mark.parametrize("recipe, name", CASES)
def test_every_text_that_states_a_setting_states_the_current_one(labs, recipe, name):
    """Set one setting; every text on the figure that states it says the new value, and the cached picture is
    exactly what fresh panels draw of the same frame (no stale legend or title pasted from a bitmap)."""
    lab = labs[recipe]
    lab.reset()
    lab.set(seed=0)
    lab.draw()
    value = MOVES[recipe][name]
    lab.controls[name].value = value
    r = lab.recipe
    assert (lab.run.seed if name == "seed" else getattr(r, name)) == pytest.approx(value)
    assert lab.panels.frame is lab.frame and lab.panels.frame.recipe is r  # the panels show the Lab's recipe
    texts = " | ".join(_texts(lab.figure))
    assert f"lr {r.lr:.4g}" in texts and f"batch {r.batch_size}" in texts and f"σ {r.noise:g}" in texts
    assert f"seed {lab.run.seed}" in texts and f"{r.total_steps:,} steps" in texts
    if r.gamma < 1:
        assert f"γ {r.gamma:g} every {r.stepsize} steps" in texts
    if r.streaming:
        assert f"this step's batch ({r.batch_size})" in texts
    lab.draw()
    fresh = Panels(rw.RECIPES[recipe], figure=matplotlib.figure.Figure(figsize=lab.figure.get_size_inches(),
                                                                       dpi=lab.figure.dpi))
    f = lab.frame
    fresh.show(make_frame(f.run, f.landscape, position=f.position, pair=f.pair, zoom=f.zoom))
    fresh.figure.canvas.draw()
    np.testing.assert_array_equal(np.asarray(lab.figure.canvas.buffer_rgba()),
                                  np.asarray(fresh.figure.canvas.buffer_rgba()))


def test_the_state_is_the_one_owner():
    lab = Lab("pytorch", display="none")
    assert isinstance(lab.state, LabState)
    lab.controls["lr"].value = 0.03
    assert lab.state.lr == 0.03 and lab.recipe.lr == 0.03 and lab.panels.frame.recipe.lr == 0.03
    lab.set(gamma=0.5, stepsize=3, batch_size=4)
    for name in ("lr", "gamma", "stepsize", "batch_size", "noise", "epochs", "seed"):
        assert lab.controls[name].value == getattr(lab.state, name), name
    lab.set(zoom="basin", position=40)
    assert (lab.controls["zoom"].value, lab.controls["step"].value) == ("basin", 40) == (lab.state.zoom,
                                                                                         lab.state.position)
    assert not any(k.startswith("_sync") for k in vars(lab))


def test_a_refused_change_changes_nothing():
    lab = Lab("pytorch", display="none")
    before = lab.state.values()
    with pytest.raises(rw.InvalidSetting, match="batch_size"):
        resolve(lab.state, {"lr": 0.05, "batch_size": 51})
    with pytest.raises(rw.InvalidSetting, match="steps"):
        lab.set(lr=0.05, steps=30)  # pytorch counts epochs
    with pytest.raises(ValueError, match="pair"):
        lab.set(lr=0.05, pair=(0, 5))
    with pytest.raises(rw.InvalidSetting, match="colour"):
        lab.set(colour="red")
    assert lab.state.values() == before and lab.recipe.lr == 0.01


def test_an_lr_move_recomputes_once_and_asks_for_one_draw(monkeypatch):
    pytest.importorskip("ipympl")
    lab = Lab("mxnet", display="ipympl")
    calls = {"eigvalsh": 0, "solve": 0, "eigh": 0, "with_settings": 0, "draw_idle": 0, "train": 0}

    def counting(owner, name):
        original = getattr(owner, name)

        def counted(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)
        monkeypatch.setattr(owner, name, counted)

    for name in ("eigvalsh", "solve", "eigh"):
        counting(np.linalg, name)
    counting(rw.Recipe, "with_settings")
    counting(lab.figure.canvas, "draw_idle")
    from regress_widgets.lab.controls import compute
    counting(compute, "train")
    lab.controls["lr"].value = 2e-4
    assert calls == {"eigvalsh": 0, "solve": 0, "eigh": 0, "with_settings": 1, "draw_idle": 1, "train": 1}
    lab.position = 100  # a view change: no engine, no recipe
    assert calls["train"] == 1 and calls["with_settings"] == 1 and calls["draw_idle"] == 2


def test_bad_lab_arguments_are_refused():
    with pytest.raises(ValueError, match="pair"):
        Lab("pytorch", display="none", pair=(0, 5))
    with pytest.raises(ValueError, match="figsize"):
        Lab("pytorch", display="none", figsize=(0, 0))
    with pytest.raises(ValueError, match="dpi"):
        Lab("pytorch", display="none", dpi=0)
    with pytest.raises(rw.InvalidSetting, match="seed"):
        Lab("pytorch", display="none", seed=-1)


def test_pins_are_bounded():
    lab = Lab("pytorch", display="none")
    for k in range(6):
        lab.set(lr=0.01 + 0.005 * k)
        assert lab.pin()
    assert lab.pin() == "" and "At most 6" in lab.message and len(lab.pins) == 6
    assert len(lab.frame.pins) == 6
    lab.clear_pins()
    assert lab.pins == [] and lab.frame.pins == ()


def test_the_shared_seed_is_refused_while_the_real_runs_are_shown():
    side = SideBySide(display="none")
    side.real.value = True
    seeds = {name: lab.run.seed for name, lab in side.labs.items()}
    side.seed.value = 18
    assert {name: lab.run.seed for name, lab in side.labs.items()} == seeds
    assert side.seed.value == 0
    side.real.value = False
    side.seed.value = 18
    assert all(lab.run.seed == 18 for lab in side.labs.values())


@pytest.mark.parametrize("name, text, words", [
    ("lr", "-1", "lr must be a number in (0, 10], got -1.0"), ("lr", "0", "lr must be a number in (0, 10]"),
    ("lr", "1e9", "lr must be a number in (0, 10]"), ("lr", "abc", "'abc' is not a number"),
    ("stepsize", "0", "stepsize must be an integer in [1, 2000000]"), ("batch_size", "2.5", "an integer in [1, 50]"),
    ("batch_size", "51", "an integer in [1, 50]"), ("noise", "nan", "noise must be a number in [0, 100]"),
])
def test_a_typed_value_is_refused_with_its_range_and_nothing_changes(name, text, words):
    lab = Lab("pytorch", display="none")
    lab.set(gamma=0.5)  # stepsize acts
    run = lab.run
    lab.typed[name].value = text
    assert words in lab.message and "Refused" in lab.message and html.escape(words) in lab.readouts.notes[name].value
    assert lab.run is run  # nothing changed: the box shows the value still in force
    assert lab.typed[name].value == shown_text(TABLE[name].kind, getattr(lab.state, name))


@pytest.mark.parametrize("name, text, value", [
    ("lr", "0.05", 0.05), ("lr", "1e-6", 1e-6), ("batch_size", "5", 5), ("batch_size", "50", 50),
    ("noise", "7.5", 7.5), ("stepsize", "3", 3), ("epochs", "40", 40),
])
def test_a_typed_value_is_kept_exactly_even_past_the_slider(name, text, value):
    """Typed values are run as typed (the slider's range stretches to hold them); nothing is corrected."""
    lab = Lab("pytorch", display="none")
    lab.typed[name].value = text
    assert getattr(lab.recipe, name) == value and lab.message == ""
    assert lab.controls[name].value == pytest.approx(value)


def test_batch_size_moves_on_a_doubling_scale():
    lab = Lab("mxnet", display="none")
    slider = lab.controls["batch_size"]
    assert slider.base == 2 and slider.step == 1 and 2 ** slider.max == pytest.approx(10_000)
    slider.value = 2.0 ** 5  # a drag step lands on a power of two: run as the whole number
    assert lab.recipe.batch_size == 32 and isinstance(lab.state.batch_size, int)
    slider.value = 2.5
    assert "Refused" in lab.message and lab.recipe.batch_size == 32


def test_the_seed_box_refuses_instead_of_clamping():
    lab = Lab("pytorch", display="none")
    lab.controls["seed"].value = -1
    assert "seed must be an integer ≥ 0, got -1" in lab.message and lab.run.seed == 0
    assert lab.controls["seed"].value == 0


def test_the_optimizer_controls_reach_the_run_and_say_what_they_do():
    lab = Lab("pytorch", display="none")
    lab.controls["optimizer"].value = "adam"
    expected = rw.train("pytorch", seed=0, optimizer="adam")
    np.testing.assert_array_equal(lab.run.theta, expected.theta)
    shown = {n: lab.controls[n].layout.display for n in ("momentum", "beta1", "beta2", "eps", "weight_decay")}
    assert shown == {"momentum": "none", "beta1": None, "beta2": None, "eps": None, "weight_decay": None}
    assert "no fixed stability limit" in lab.lr_info.value
    assert any("Adam β₁ 0.9 β₂ 0.999" in t for t in _texts(lab.figure))
    lab.set(optimizer="sgd", momentum=0.5)
    assert lab.controls["momentum"].layout.display is None and lab.controls["beta1"].layout.display == "none"
    limit = lab.landscape.lr_limit("sgd", 0.5)
    assert f"{limit:.3g}" in lab.lr_info.value and "2(1+β)/λmax" in lab.lr_info.value
    assert any("momentum β 0.5" in t for t in _texts(lab.figure))
    plain = lab.landscape
    lab.typed["weight_decay"].value = "0.05"
    assert lab.recipe.weight_decay == 0.05 and lab.landscape.weight_decay == 0.05
    np.testing.assert_allclose(lab.landscape.optimum, plain.with_weight_decay(0.05).optimum)
    lab.typed["momentum"].value = "1"
    assert "momentum must be a number in [0, 1)" in lab.message and lab.recipe.momentum == 0.5
    lab.reset()
    assert (lab.recipe.optimizer, lab.recipe.momentum, lab.recipe.weight_decay) == ("sgd", 0.0, 0.0)


def test_an_optimizer_on_the_real_runs_data_is_not_called_the_framework():
    lab = Lab("pytorch", display="none")
    lab.set(real=True)
    assert lab.framework_deviation is not None
    lab.set(optimizer="nesterov", momentum=0.9)
    assert lab.framework_deviation is None and "tutorial's settings" in lab.panels.reference_label
    assert lab.run.stream is lab.real.stream  # still the recording's data


def test_one_optimizer_choice_for_the_three_tutorials():
    side = SideBySide(display="none")
    side.optimizer.value = ("nesterov", 0.9)
    for name, lab in side.labs.items():
        assert (lab.recipe.optimizer, lab.recipe.momentum) == ("nesterov", 0.9)
        np.testing.assert_array_equal(lab.run.theta, rw.train(name, optimizer="nesterov", momentum=0.9).theta)
    side.optimizer.value = ("sgd", 0.0)
    assert all(lab.recipe.optimizer == "sgd" and lab.recipe.momentum == 0 for lab in side.labs.values())


def test_with_momentum_the_contour_shows_the_last_step():
    lab = Lab("pytorch", display="none")
    assert len(lab.panels.contour.step_line.get_xdata()) == 0  # plain SGD: no arrow
    lab.set(momentum=0.9, position=30)
    x, y = lab.panels.contour.step_line.get_data()
    i, j = lab.frame.pair
    theta = lab.run.theta
    np.testing.assert_array_equal(x, [theta[30, i], 2 * theta[30, i] - theta[29, i]])
    np.testing.assert_array_equal(y, [theta[30, j], 2 * theta[30, j] - theta[29, j]])
    lab.draw()
