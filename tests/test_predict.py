"""Predict, then reveal (issue 16, item 3), driven headless: a click on the Lab's screen or ipympl's canvas, the
commit, the distance the readout shows, try again, and the exported picture. The exercise file, fixed and hidden
controls are tests/test_exercises.py."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import regress_widgets as rw  # noqa: E402
from regress_widgets.lab.classroom.answers import first_diverging_lr, outcome  # noqa: E402
from regress_widgets.lab.exercises import Exercises, load_exercises  # noqa: E402
from regress_widgets.recipes.tutorials import InvalidSetting  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")

EXERCISE = {"title": "t", "recipe": "pytorch", "task": "Find the largest lr that converges.", "seed": 1,
            "settings": {"lr": 0.05}, "fixed": {"noise": 0.5}, "hidden": ["gamma", "stepsize"],
            "predict": {"kind": "number", "answer": "first_diverging_lr", "tolerance": 0.1}}


# ---------------------------------------------------------------------------------------------- predict, then reveal
def click_at(lab, x, y):
    """A click on the Lab's screen at data point (x, y) of the contour panel, as the browser sends it."""
    screen = lab.view.widget
    dx, dy = lab.panels.contour.ax.transData.transform((x, y))
    screen._heard(screen, {"type": "click", "x": dx, "y": lab.figure.bbox.height - dy}, [])


def test_a_point_prediction_clicked_on_the_screen_then_revealed():
    lab = rw.Lab("pytorch", display="screen", seed=2, lr=0.02, predict={"kind": "point", "step": 40})
    pred, contour = lab.classroom.prediction, lab.panels.contour
    assert pred.pending and lab.state.zoom == "basin"
    assert not contour.path_line.get_visible() and not contour.now_mark.get_visible()
    assert not lab.panels.loss.ax.get_visible()  # every other panel waits too
    assert lab.readout.layout.display == "none" and lab.lr_info.layout.display == "none"
    for name in ("play", "step", "zoom", "pair", "pin"):
        assert lab.controls[name].disabled, name
    with pytest.raises(InvalidSetting, match="zoom must be left as it is until you commit"):
        lab.set(zoom="follow")
    with pytest.raises(InvalidSetting, match="prediction must be a point"):
        pred.commit()  # nothing predicted yet
    x0, x1 = contour.ax.get_xlim()
    click_at(lab, x1 + (x1 - x0), 0.0)  # outside the contour axes: ignored
    assert pred.guess is None
    guess = (2.0, 4.0)
    click_at(lab, *guess)
    assert pred.guess == pytest.approx(guess, abs=1e-9)
    assert float(pred.inputs[0].value) == pytest.approx(2.0, rel=1e-3)
    result = pred.commit()
    run = rw.train("pytorch", seed=2, lr=0.02)  # the engine, on its own
    i, j = lab.state.pair
    expected = math.hypot(run.theta[40, i] - pred.guess[0], run.theta[40, j] - pred.guess[1])
    assert result.distance == pytest.approx(expected, rel=1e-12)
    assert f"Distance {expected:.4g}" in pred.result_box.value
    assert contour.path_line.get_visible() and lab.panels.loss.ax.get_visible()
    assert lab.position == lab.run.steps and lab.readout.layout.display is None
    assert not lab.controls["step"].disabled and not lab.controls["zoom"].disabled
    art = pred.veil._art
    np.testing.assert_allclose(art["link"].get_xydata(), [pred.guess, run.theta[40, [i, j]]])
    click_at(lab, 1.0, 1.0)  # after the commit clicks change nothing
    assert pred.guess == pytest.approx(guess, abs=1e-9)
    lab.set(zoom="follow")  # and the view is the student's again


def test_a_point_prediction_typed_without_clicks():
    lab = rw.Lab("pytorch", display="none", predict={"kind": "point"})
    pred = lab.classroom.prediction
    pred.inputs[0].value = "2.5"
    assert pred.guess is None  # one coordinate is not a point
    pred.inputs[1].value = "−1"  # the minus sign a widget may send
    assert pred.guess == (2.5, -1.0)
    pred.inputs[1].value = "abc"
    assert "Refused" in pred.result_box.value and pred.guess == (2.5, -1.0)
    pred.commit_button.click()
    i, j = lab.state.pair
    last = lab.run.theta[-1]
    assert pred.result.step == lab.run.steps
    assert pred.result.distance == pytest.approx(math.hypot(last[i] - 2.5, last[j] + 1.0))


def test_a_choice_prediction():
    lab = rw.Lab("pytorch", display="none", fixed={"lr": 0.5},
                 predict={"kind": "choice", "choices": ["converges", "oscillates", "diverges"]})
    pred = lab.classroom.prediction
    pred.inputs[0].value = "converges"
    result = pred.commit()
    assert result.actual == "diverges" == outcome(lab.run, lab.landscape) and result.correct is False
    assert "Not quite" in pred.result_box.value
    lab2 = rw.Lab("pytorch", display="none", lr=0.01, predict={"kind": "choice"})
    lab2.classroom.prediction.predict("converges")
    assert lab2.classroom.prediction.commit().correct == (outcome(lab2.run, lab2.landscape) == "converges")


def test_outcomes_follow_the_verdict_and_the_limit():
    land = rw.Landscape.for_recipe("caffe2", 0)
    limit = land.lr_limit()
    assert outcome(rw.train("caffe2", lr=0.05, gamma=1.0), land) == "converges"
    assert outcome(rw.train("caffe2", lr=0.8 * limit, gamma=1.0), land) == "oscillates"
    assert outcome(rw.train("caffe2", lr=1.5 * limit, gamma=1.0), land) == "diverges"


def test_the_first_diverging_lr_is_the_engines():
    recipe = rw.get_recipe("pytorch").with_settings(noise=0.5)
    land = rw.Landscape.for_recipe(recipe, 0)
    lr = first_diverging_lr(recipe, 0, land)
    verdict_at = {x: rw.train(recipe, seed=0, lr=x).status.kind for x in (lr, lr / 1.011)}
    assert verdict_at[lr] in ("diverging", "diverged")
    assert verdict_at[lr / 1.011] not in ("diverging", "diverged")
    lab = load_exercises("largest_lr")[0].lab(display="none")
    pred = lab.classroom.prediction
    pred.inputs[0].value = repr(lr * 1.05)
    result = pred.commit()
    expected = first_diverging_lr(lab.recipe, lab.seed, lab.landscape)
    assert result.actual == expected and result.correct and result.distance == pytest.approx(
        abs(lr * 1.05 - expected) / expected)
    assert f"{expected:.3g}" in pred.result_box.value


def test_exercises_widget_goes_next_and_back():
    ex = Exercises("predict_tour", display="none")
    first = ex.lab
    assert ex.back_button.disabled and not ex.next_button.disabled and "Exercise 1 of 2" in ex.heading.value
    first.classroom.prediction.predict((1.0, 1.0))
    second = ex.next()
    assert second is not first and ex.children[1] is second and ex.next_button.disabled
    assert second.recipe.lr == 0.25
    assert ex.back() is first and first.classroom.prediction.guess == (1.0, 1.0)  # kept as it was left
    with pytest.raises(InvalidSetting, match=r"index must be an integer in \[0, 1\]"):
        ex.go(2)


def test_a_point_prediction_clicked_on_ipympls_canvas():
    from matplotlib.backend_bases import MouseEvent

    lab = rw.Lab("pytorch", display="ipympl", predict={"kind": "point"})
    pred, ax = lab.classroom.prediction, lab.panels.contour.ax
    assert [box.description for box in pred.inputs] == ["k", "m"]  # the plane's parameters
    x, y = ax.transData.transform((2.0, 4.0))
    MouseEvent("button_press_event", lab.figure.canvas, x, y, button=1)._process()
    per_pixel = np.abs(ax.transData.inverted().transform((x + 1, y + 1)) - (2.0, 4.0))
    assert np.all(np.abs(np.subtract(pred.guess, (2.0, 4.0))) <= per_pixel)  # mpl events come in whole pixels


def test_the_veil_stays_when_the_screen_refits_the_figure():
    lab = rw.Lab("mxnet", display="screen", predict={"kind": "choice"})
    old = lab.panels
    lab.view.widget.width = 900  # the page reports its width: new panels, laid out for it
    assert lab.panels is not old
    assert not lab.panels.contour.path_line.get_visible() and not lab.panels.loss.ax.get_visible()
    with pytest.raises(InvalidSetting, match="pins must be left as it is"):
        lab.pin()
    lab.classroom.prediction.predict("diverges")
    lab.classroom.prediction.commit()
    assert lab.panels.contour.path_line.get_visible() and lab.panels.loss.ax.get_visible()


def test_a_number_prediction_of_the_stability_limit():
    lab = rw.Lab("caffe2", display="none", predict={"kind": "number", "answer": "stability_limit", "tolerance": 0.05})
    pred = lab.classroom.prediction
    limit = lab.landscape.lr_limit()
    pred.predict(limit * 1.1)
    result = pred.commit()
    assert result.actual == limit and result.correct is False and result.distance == pytest.approx(0.1)
    assert "10 % off" in pred.result_box.value


def test_try_again_hides_the_run_for_a_new_prediction():
    lab = rw.Lab("pytorch", display="screen", seed=2, lr=0.02, predict={"kind": "point", "step": 40})
    pred, contour = lab.classroom.prediction, lab.panels.contour
    assert pred.try_again_button.layout.display == "none"  # nothing to try again before a reveal
    pred.try_again()  # and asking changes nothing
    assert pred.pending and pred.guess is None
    click_at(lab, 2.0, 4.0)
    first = pred.commit()
    assert pred.try_again_button.layout.display is None and contour.path_line.get_visible()
    lab.set(zoom="follow", lr=0.03)  # the student looks around after the reveal, and picks a new lr
    lab.pin()
    pred.try_again_button.click()
    assert pred.pending and pred.guess is None and pred.result is None
    assert [box.value for box in pred.inputs] == ["", ""] and not any(box.disabled for box in pred.inputs)
    assert not pred.commit_button.disabled and pred.commit_button.description == "commit my prediction"
    assert pred.result_box.value == "" and pred.try_again_button.layout.display == "none"
    # the path, the other panels and the readouts hidden again; the whole basin, no pins
    assert not contour.path_line.get_visible() and not contour.now_mark.get_visible()
    assert not lab.panels.loss.ax.get_visible() and lab.readout.layout.display == "none"
    assert lab.state.zoom == "basin" and lab.state.pins == () and lab.recipe.lr == 0.03
    for name in ("play", "step", "zoom", "pair", "pin", "export"):
        assert lab.controls[name].disabled, name
    art = pred.veil._art
    assert len(art["guess"].get_xdata()) == 0 and len(art["link"].get_xdata()) == 0  # the old guess gone
    with pytest.raises(InvalidSetting, match="prediction must be a point"):
        pred.commit()
    click_at(lab, 1.0, 3.0)
    second = pred.commit()
    run = rw.train("pytorch", seed=2, lr=0.03)
    i, j = lab.state.pair
    assert second.distance == pytest.approx(math.hypot(run.theta[40, i] - pred.guess[0],
                                                       run.theta[40, j] - pred.guess[1]), rel=1e-12)
    assert second.distance != first.distance and f"Distance {second.distance:.4g}" in pred.result_box.value
    assert contour.path_line.get_visible() and not lab.controls["zoom"].disabled


def test_try_again_for_a_choice_and_a_number():
    lab = rw.Lab("pytorch", display="none", fixed={"lr": 0.5}, predict={"kind": "choice"})
    pred = lab.classroom.prediction
    pred.predict("converges")
    assert pred.commit().correct is False
    pred.try_again()
    assert pred.pending and pred.inputs[0].value is None and not pred.inputs[0].disabled
    pred.inputs[0].value = "diverges"
    assert pred.commit().correct is True and "Right" in pred.result_box.value
    lab = rw.Lab("caffe2", display="none", predict={"kind": "number", "answer": "stability_limit"})
    pred = lab.classroom.prediction
    pred.predict(1.0)
    pred.commit()
    pred.try_again()
    assert pred.inputs[0].value == "" and "Refused" not in pred.result_box.value and pred.guess is None
    pred.inputs[0].value = repr(lab.landscape.lr_limit())
    assert pred.commit().correct is True


def test_an_exported_picture_shows_the_prediction_as_the_lab_does(tmp_path):
    from regress_widgets.lab.share import export

    lab = rw.Lab("pytorch", display="none", predict={"kind": "point", "step": 40})
    pred = lab.classroom.prediction
    seen = {}

    def keep(panels, frame):
        pred.drawn_on(panels, frame)
        seen["panels"] = panels

    export.save_picture(lab.state.tutorial, lab.frame, tmp_path / "pending.png", cover=keep)
    assert not seen["panels"].contour.path_line.get_visible()  # pending: the slide does not give it away
    pred.predict((2.0, 4.0))
    pred.commit()
    export.save_picture(lab.state.tutorial, lab.frame, tmp_path / "revealed.png", cover=keep)
    ax = seen["panels"].contour.ax
    guesses = [line for line in ax.lines if line.get_label() == "your prediction"]
    assert len(guesses) == 1 and tuple(guesses[0].get_xydata()[0]) == pytest.approx((2.0, 4.0))
    assert seen["panels"].contour.path_line.get_visible()
    own = [line for line in lab.panels.contour.ax.lines if line.get_label() == "your prediction"]
    assert len(own) == 1  # the Lab's own figure keeps its one guess marker
    assert lab.save(tmp_path / "lab.png").stat().st_size > 0
