"""A Lab's state as plain JSON, rebuilt exactly (``run.theta`` bit for bit); a Lab from a link; hidden controls."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from strategies import valid  # noqa: E402

import regress_widgets as rw  # noqa: E402
from regress_widgets.lab import Lab  # noqa: E402
from regress_widgets.lab.controls.real_run import FREE, available  # noqa: E402
from regress_widgets.lab.url_state import hide_controls, settings_from_query  # noqa: E402
from regress_widgets.recipes.tutorials import InvalidSetting  # noqa: E402


def _same(a: Lab, b: Lab) -> None:
    np.testing.assert_array_equal(b.run.theta, a.run.theta)
    assert len(a.state.pins) == len(b.state.pins)
    for p, q in zip(a.state.pins, b.state.pins, strict=True):
        np.testing.assert_array_equal(q.path.theta, p.path.theta)
    assert b.pins == a.pins


def _round_trip(lab: Lab, **kwargs) -> Lab:
    state = lab.state_dict()
    text = json.dumps(state)  # plain JSON, nothing else
    back = Lab.from_state(json.loads(text), display="none", **kwargs)
    _same(lab, back)
    assert back.state_dict() == state
    return back


@st.composite
def lab_settings(draw, recipe):
    """Settings a Lab of ``recipe`` takes: every slider, the run length, the optimizer and its settings."""
    r = rw.RECIPES[recipe]
    out = {name: draw(valid(name, r)) for name in ("lr", "gamma", "stepsize", "batch_size", "noise")}
    out["lr"] = min(out["lr"], 1.0)
    length = "steps" if r.epochs is None else "epochs"
    out[length] = draw(valid(length, r))
    if recipe == "mxnet":  # 10,000 examples: keep the run short
        out["batch_size"] = max(out["batch_size"], 64)
        out["epochs"] = 1
    optimizer = draw(st.sampled_from(("sgd", "nesterov", "adam")))
    out["optimizer"] = optimizer
    out["momentum"] = draw(st.floats(0.01, 0.99) if optimizer == "nesterov" else valid("momentum", r))
    for name in ("beta1", "beta2", "eps", "weight_decay"):
        out[name] = draw(valid(name, r))
    out["eps"] = min(out["eps"], 1.0)
    out["seed"] = draw(st.integers(0, 10**6))
    return out


LABS = {}


def _lab(recipe: str) -> Lab:
    if recipe not in LABS:
        LABS[recipe] = Lab(recipe, display="none")
    lab = LABS[recipe]
    lab.set(real=False)
    lab.set(recipe=recipe)
    lab.clear_pins()
    lab.reset()
    return lab


@pytest.mark.parametrize("recipe", list(rw.RECIPES))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: each example builds two Labs
@given(data=st.data())
def test_state_round_trip_every_recipe_and_setting(recipe, data):
    """Pins (some on the real run), every setting, seed, the real run with its own lr, the plane, zoom, position:
    from_state(json of state_dict) shows bit-identical runs and writes the same state again."""
    lab = _lab(recipe)
    real = available(lab.state.tutorial)
    for _ in range(data.draw(st.integers(0, 2), label="pins")):
        lab.set(real=False)
        lab.set(**data.draw(lab_settings(recipe), label="pin settings"))
        if real and data.draw(st.booleans(), label="pin on the real run"):
            lab.set(real=True)
        lab.pin()
    lab.set(real=False)
    lab.set(**data.draw(lab_settings(recipe), label="settings"))
    if real and data.draw(st.booleans(), label="real run"):
        lab.set(real=True)
        lab.set(lr=lab.recipe.lr * data.draw(st.sampled_from((0.5, 1.5)), label="lr on the real run"), gamma=0.9)
    names = lab.state.tutorial.param_names
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]  # as the plane menu offers them
    lab.set(pair=data.draw(st.sampled_from(pairs), label="pair"), zoom=data.draw(st.sampled_from(("follow", "basin"))),
            position=data.draw(st.integers(0, lab.run.steps), label="position"))
    back = _round_trip(lab)
    assert back.state.real == lab.state.real and back.recipe == lab.recipe
    assert back.position == lab.position and back.frame.pair == lab.frame.pair and back.frame.zoom == lab.frame.zoom


def test_the_state_is_plain_and_complete():
    lab = Lab("caffe2", display="none", lr=0.05, optimizer="adam")
    lab.pin()
    lab.set(lr=0.2, batch_size=16, seed=3, pair=(0, 2), zoom="basin", position=40)
    state = lab.state_dict()
    assert json.loads(json.dumps(state)) == state
    assert state["recipe"] == "caffe2" and state["language"] == "en" and state["format"] == 1
    assert state["lr"] == 0.2 and state["batch_size"] == 16 and state["optimizer"] == "adam" and state["seed"] == 3
    assert state["pair"] == [0, 2] and state["zoom"] == "basin" and state["position"] == 40
    assert state["pins"][0]["settings"]["lr"] == 0.05 and state["hidden"] == []
    assert isinstance(lab.state, rw.LabState)  # lab.state stays the Lab's one owner (traitlets)


def test_a_new_recipe_brings_its_own_optimizer():
    """The state says what the run is: after Adam on caffe2, the PyTorch tutorial's sgd (not Adam kept in the state
    while the run is sgd)."""
    lab = Lab("caffe2", display="none")
    lab.set(optimizer="adam", beta1=0.5)
    lab.set(recipe="pytorch")
    assert lab.state.optimizer == lab.recipe.optimizer == "sgd" and lab.state.beta1 == 0.9
    _round_trip(lab)


def test_a_tutorial_started_with_other_settings():
    lab = Lab(rw.RECIPES["pytorch"].with_settings(lr=0.02, batch_size=5), display="none")
    lab.set(lr=0.04)
    back = _round_trip(lab)
    assert back.state.tutorial == lab.state.tutorial
    back.reset()
    assert back.recipe.lr == 0.02  # reset goes back to the recipe it started from


def test_real_run_keeps_the_settings_to_go_back_to():
    lab = Lab("pytorch", display="none", batch_size=4, seed=9)
    if not available(lab.state.tutorial):
        pytest.skip("no shipped recording")
    lab.set(real=True)
    lab.set(lr=0.02)
    back = _round_trip(lab)
    back.set(real=False)
    lab.set(real=False)
    assert back.recipe.batch_size == 4 and back.seed == 9
    _same(lab, back)
    assert set(FREE) <= set(back.state_dict())


def test_own_data_embedded_and_standardized():
    X = np.random.default_rng(1).normal(3.0, 2.0, size=(40, 2))
    y = X @ [1.5, -0.5] + 2.0
    lab = Lab(rw.from_data(X, y, like="mxnet", standardize=True, lr=0.05), display="none")
    lab.set(standardize=False, lr=1e-3, batch_size=7)
    lab.pin()
    lab.set(standardize=True, lr=0.1)
    state = lab.state_dict()
    assert state["recipe"] == "own data" and len(state["data"]["X"]) == 40
    back = _round_trip(lab)
    assert back.state.tutorial == lab.state.tutorial and back.state.standardize


def test_big_own_data_by_reference():
    X = np.random.default_rng(2).normal(size=(6000, 1))
    recipe = rw.from_data(X, 2 * X[:, 0] + 1)
    lab = Lab(recipe, display="none", epochs=1)
    state = lab.state_dict()
    assert "X" not in state["data"] and state["data"]["digest"] == recipe.data.digest
    with pytest.raises(InvalidSetting) as err:
        Lab.from_state(state, display="none")
    assert err.value.field == "data"
    other = rw.from_data(X[:5999], 2 * X[:5999, 0] + 1)
    with pytest.raises(InvalidSetting, match="digest"):
        Lab.from_state(state, data=other, display="none")
    _round_trip(lab, data=rw.from_data(X, 2 * X[:, 0] + 1))


def test_save_and_load_state(tmp_path):
    lab = Lab("mxnet", display="none", epochs=1, batch_size=100)
    lab.set(lr=0.01, seed=4)
    path = lab.save_state(tmp_path / "lesson.json")
    back = Lab.load_state(path, display="none")
    _same(lab, back)
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(InvalidSetting, match="JSON"):
        Lab.load_state(tmp_path / "bad.json")


@pytest.mark.parametrize("change, field", [
    ({"colour": "red"}, "colour"), ({"language": "fr"}, "language"), ({"lr": -1}, "lr"), ({"lr": "0.1"}, "lr"),
    ({"recipe": "keras"}, "recipe"), ({"seed": -3}, "seed"), ({"pins": "none"}, "pins"), ({"zoom": "in"}, None),
    ({"pins": [{"settings": {}, "seed": 0}]}, "pins[0]"), ({"steps": 10}, "steps"), ({"format": 2}, "format"),
    ({"pins": [{"settings": {"lr": 0}, "seed": 0, "real": False, "standardize": False}]}, "pins[0].lr"),
    ({"hidden": ["nothing"]}, "hidden"), ({"real": "yes"}, "real"), ({"data": {}}, "data"),
])
def test_a_wrong_state_is_refused_naming_the_key(change, field):
    state = {**Lab("pytorch", display="none").state_dict(), **change}
    with pytest.raises((InvalidSetting, ValueError)) as err:
        Lab.from_state(state, display="none")
    if field is not None:
        assert err.value.field == field and field in str(err.value)
    else:
        assert "zoom" in str(err.value)


# ------------------------------------------------------------------------------------------ links
def test_settings_from_query():
    assert settings_from_query("?recipe=pytorch&lr=0.3&batch_size=1&hide=noise") == {
        "recipe": "pytorch", "lr": 0.3, "batch_size": 1, "hidden": ["noise"]}
    assert settings_from_query("hide=noise,seed&hide=gamma&real=true&pair=0,2&optimizer=adam") == {
        "hidden": ["noise", "seed", "gamma"], "real": True, "pair": [0, 2], "optimizer": "adam"}
    assert settings_from_query("") == {}


@pytest.mark.parametrize("query, field", [
    ("lr=abc", "lr"), ("lr=0", "lr"), ("colour=red", "colour"), ("lr=0.1&lr=0.2", "lr"),
    ("batch_size=2.5", "batch_size"), ("real=maybe", "real"), ("pair=a,b", "pair"),
    ("optimizer=SGD", "optimizer"), ("seed=1.5", "seed"),
])
def test_a_wrong_link_is_refused_naming_the_key(query, field):
    with pytest.raises(InvalidSetting) as err:
        settings_from_query(query)
    assert err.value.field == field


def test_lab_from_url(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "recipe=pytorch&lr=0.3&batch_size=1&hide=noise")
    lab = Lab.from_url(display="none")
    assert lab.recipe.name == "pytorch" and lab.recipe.lr == 0.3 and lab.recipe.batch_size == 1
    assert "rw-hidden" in lab.controls["noise"]._dom_classes and lab.state_dict()["hidden"] == ["noise"]
    np.testing.assert_array_equal(lab.run.theta, rw.train("pytorch", lr=0.3, batch_size=1).theta)
    assert Lab.from_url("lr=0.05", recipe="mxnet", display="none").recipe.name == "mxnet"
    with pytest.raises(InvalidSetting) as err:
        Lab.from_url("recipe=pytorch&steps=10", display="none")
    assert err.value.field == "steps"


def _hidden(lab, name) -> bool:
    return "rw-hidden" in lab.controls[name]._dom_classes


def test_hidden_controls_stay_hidden_and_come_back():
    lab = Lab("caffe2", display="none", optimizer="sgd")
    hide_controls(lab, ["momentum", "pair"])
    assert _hidden(lab, "momentum") and _hidden(lab, "pair") and not _hidden(lab, "lr")
    assert "rw-hidden" in lab.typed["momentum"]._dom_classes
    assert "rw-hidden" in lab.readouts.notes["momentum"]._dom_classes
    assert any(".rw-hidden { display: none" in getattr(w, "value", "") for w in lab.children)  # the one CSS rule
    lab.set(optimizer="adam")  # the Lab hides momentum for Adam: its own choice goes on underneath
    lab.set(recipe="pytorch")
    assert _hidden(lab, "momentum") and lab.hidden == ("momentum", "pair")
    hide_controls(lab, "pair")
    assert not _hidden(lab, "momentum") and _hidden(lab, "pair")
    assert lab.controls["momentum"].layout.display is None  # pytorch's sgd: momentum shows again
    hide_controls(lab, [])
    assert not any(_hidden(lab, name) for name in lab.controls) and lab.hidden == ()
    assert sum(".rw-hidden" in getattr(w, "value", "") for w in lab.children) == 1
    with pytest.raises(InvalidSetting) as err:
        hide_controls(lab, ["everything"])
    assert err.value.field == "hide"


def test_a_recipe_made_by_hand_has_no_state():
    from dataclasses import replace

    lab = Lab(replace(rw.RECIPES["pytorch"], title="my own variant", w_true=(2.0,)), display="none")
    with pytest.raises(ValueError, match="made by hand"):
        lab.state_dict()
