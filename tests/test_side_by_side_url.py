"""A teacher's link for the side-by-side app (``SideBySide.from_url``): what it means for three columns, and its
errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import regress_widgets as rw  # noqa: E402
from regress_widgets.lab.url_state import HIDDEN  # noqa: E402
from regress_widgets.recipes.tutorials import InvalidSetting  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")


def test_no_query_string_is_the_plain_app(monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    linked, plain = rw.SideBySide.from_url(display="none"), rw.SideBySide(display="none")
    assert repr(linked) == repr(plain) and linked.hidden == ()
    for name, lab in plain.labs.items():
        np.testing.assert_array_equal(linked.labs[name].run.theta, lab.run.theta)
        assert linked.labs[name].state_dict() == lab.state_dict()


def test_a_named_column_takes_the_settings_and_every_column_the_hide(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "recipe=pytorch&lr=0.3&batch_size=1&hide=noise")  # as Voilà gives it
    app = rw.SideBySide.from_url(display="none")
    pytorch = app.labs["pytorch"]
    assert pytorch.recipe.lr == 0.3 and pytorch.recipe.batch_size == 1
    np.testing.assert_array_equal(pytorch.run.theta, rw.train("pytorch", seed=0, lr=0.3, batch_size=1).theta)
    for name in ("caffe2", "mxnet"):  # the other columns keep their tutorial's settings
        assert app.labs[name].recipe == rw.RECIPES[name]
    assert app.hidden == ("noise",)
    for lab in app.labs.values():
        assert lab.hidden == ("noise",) and HIDDEN in lab.controls["noise"]._dom_classes
        assert HIDDEN not in lab.controls["lr"]._dom_classes
        assert lab.position == lab.run.steps  # the shared progress (100 %)


def test_without_a_recipe_every_column_takes_the_settings():
    app = rw.SideBySide.from_url("lr=0.05&steps=20&epochs=3&seed=4&optimizer=adam&hide=seed,optimizer",
                                 display="none")
    assert app.seed.value == 4 and app.optimizer.value == ("adam", 0.0)
    for name, lab in app.labs.items():
        counts = {"steps": 20} if rw.RECIPES[name].steps is not None else {"epochs": 3}
        expected = rw.train(name, seed=4, lr=0.05, optimizer="adam", **counts)
        np.testing.assert_array_equal(lab.run.theta, expected.theta)
    # the shared seed and update-rule menu go with the columns' own controls
    assert HIDDEN in app.seed._dom_classes and HIDDEN in app.optimizer._dom_classes
    assert HIDDEN not in app.real._dom_classes


def test_real_runs_from_a_link():
    app = rw.SideBySide.from_url("real=true", display="none")
    assert app.real.value and app.seed.disabled
    assert all(lab.state.real for lab in app.labs.values())


@pytest.mark.parametrize("query, named", [
    ("recipe=tensorflow", "recipe must be one of caffe2, mxnet, pytorch"),
    ("position=3", "position must be left out of a side-by-side link"),
    ("layout=full", "layout must be left out of a side-by-side link"),
    ("lr=abc", "lr must be a number"),
    ("lr=0.1&lr=0.2", "lr must be given once"),
    ("colour=red", "colour must be a key of the Lab's link"),
    ("recipe=pytorch&steps=30", r"steps must be left out: pytorch counts its run in epochs \(in the pytorch column\)"),
    ("pair=0,2", "pair must be two different parameter indices of the"),
    ("hide=answer", "hide must be names of the Lab's controls"),
    ("real=true&seed=2", "seed must be left out with real=true"),
])
def test_a_wrong_link_is_an_error_naming_the_key(query, named):
    with pytest.raises(InvalidSetting, match=named):
        rw.SideBySide.from_url(query, display="none")


def test_the_browsers_echo_of_a_linked_value_is_not_a_move():
    """The browser's slider sends back the step-grid point it draws a value at: lr 0.3 must stay 0.3."""
    app = rw.SideBySide.from_url("recipe=pytorch&lr=0.3&batch_size=20", display="none")
    lab = app.labs["pytorch"]
    lab.controls["lr"].set_state({"value": 10 ** -0.523})  # the handle's place for 0.3 (a 0.001 exponent grid)
    lab.controls["batch_size"].set_state({"value": 16.0})  # 20 on the doubling scale's grid
    assert lab.recipe.lr == 0.3 and lab.recipe.batch_size == 20 and lab.message == ""
    lab.controls["lr"].set_state({"value": 10 ** -0.522})  # one step: a student's move
    assert lab.recipe.lr == 0.3006
    lab.controls["batch_size"].set_state({"value": 32.0})
    assert lab.recipe.batch_size == 32


def test_a_wrong_link_shows_in_a_notebook_as_one_line():
    from regress_widgets.lab.url_state import LinkError

    for make in (rw.SideBySide.from_url, rw.Lab.from_url):
        with pytest.raises(LinkError) as caught:
            make("recipe=pytorch&lr=abc", display="none")
        lines = caught.value._render_traceback_()  # what IPython (and so Voilà) shows instead of a traceback
        assert lines[0] == "The link is wrong: lr must be a number in (0, 10], got 'abc'." and len(lines) == 2
    with pytest.raises(LinkError, match="noise must be"):
        rw.SideBySide.from_url("noise=-1", display="none")  # a value the columns refuse, after the parsing
