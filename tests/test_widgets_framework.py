"""The real framework's run in the Lab and SideBySide: its data, its recorded path, and the gap to the engine."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")


import numpy as np  # noqa: E402
import pytest  # noqa: E402

import regress_widgets as rw  # noqa: E402
from regress_widgets.frameworks.record import shipped  # noqa: E402
from regress_widgets.lab import Lab, SideBySide  # noqa: E402
from regress_widgets.lab.controls.real_run import FIXED  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")


def assert_real(lab, name):
    """The Lab runs the engine on the recording (= its replay), and draws the recording's own θ."""
    rec = rw.Recording.load(shipped(name))
    replayed = rw.replay(rec)
    np.testing.assert_allclose(lab.run.theta, replayed.theta, rtol=0, atol=1e-10)
    i, j = lab.panels.pair
    steps = lab.panels.frame.reference.steps
    assert steps[0] == 0 and steps[-1] == len(rec.theta) - 1
    x, y = lab.panels.contour.ref_path.get_data()
    np.testing.assert_array_equal(x, rec.theta[steps, i])
    np.testing.assert_array_equal(y, rec.theta[steps, j])
    assert lab.panels.contour.ref_path.get_visible() and lab.panels.loss.ref_loss.get_visible()
    return rec


@pytest.mark.parametrize("name", ["caffe2", "mxnet", "pytorch"])
def test_real_run_on_and_off(name):
    lab = Lab(name, display="none")
    before, landscape = lab.run, lab.landscape
    box = lab.controls["framework"]
    version = rw.Recording.load(shipped(name)).meta["framework_version"]
    assert version.split()[-1] in box.description and not box.disabled
    box.value = True
    rec = assert_real(lab, name)
    assert lab.run.recipe.batch_size == rec.recipe.batch_size and lab.run.steps == len(rec.lr)
    label = lab.panels.reference_label
    assert version in label and "tutorial's settings" not in label
    assert version in lab.panels.contour.ref_legend.get_texts()[0].get_text()
    assert lab.framework_deviation < 1e-4
    assert f"{lab.framework_deviation:.1e}" in lab.framework_info.value
    assert all(lab.controls[k].disabled for k in FIXED) and "fixed" in lab.framework_info.value
    assert not lab.controls["lr"].disabled
    if rec.recipe.streaming:  # the contours: the population's, or the recording's dataset (its first epoch)
        expected = rw.Landscape.population(rec.recipe)
    else:
        n = rec.recipe.n_examples
        expected = rw.Landscape.from_data(rec.X[:n], rec.y[:n], rec.recipe.loss_scale)
    np.testing.assert_allclose(lab.landscape.optimum, expected.optimum, rtol=1e-12)
    lab.draw()

    # another lr: the engine path moves, the real one stays, labelled as the tutorial's
    engine = lab.run.theta
    lab.controls["lr"].value = rec.recipe.lr * 3
    assert not np.allclose(lab.run.theta, engine)
    x, _ = lab.panels.contour.ref_path.get_data()
    np.testing.assert_array_equal(x, rec.theta[lab.panels.frame.reference.steps, lab.panels.pair[0]])
    assert "tutorial's settings" in lab.panels.reference_label and lab.framework_deviation is None
    assert "tutorial's settings" in lab.framework_info.value
    lab.draw()
    lab.controls["lr"].value = rec.recipe.lr
    assert lab.framework_deviation < 1e-4

    box.value = False  # the seeded data exactly as before, from the cache
    np.testing.assert_array_equal(lab.run.theta, before.theta)
    assert lab.run.recipe == before.recipe and lab.landscape is landscape
    assert lab.panels.reference is None and not lab.panels.contour.ref_path.get_visible()
    assert not any(lab.controls[k].disabled for k in FIXED) and lab.framework_info.value == ""
    lab.draw()


def test_fixed_settings_are_refused_while_on():
    lab = Lab("pytorch", display="none")
    lab.controls["framework"].value = True
    run = lab.run
    lab.controls["batch_size"].value = 3
    assert "Refused" in lab.message and "recording" in lab.message and lab.controls["batch_size"].value == 8
    assert lab.run is run
    with pytest.raises(rw.InvalidSetting, match="noise must be the recording's"):
        lab.set(noise=1.0)
    lab.set(lr=0.02, gamma=0.5)
    assert lab.run.recipe.lr == 0.02 and lab.run.stream is run.stream
    lab.reset()  # the tutorial's lr, γ, stepsize on the recording: the replay again
    assert_real(lab, "pytorch")
    lab.controls["recipe"].value = "caffe2"  # another recipe: its own recording
    assert "Caffe2" in lab.controls["framework"].description
    assert_real(lab, "caffe2")
    lab.controls["pair"].value = (0, 2)
    assert_real(lab, "caffe2")
    lab.pin()
    lab.controls["framework"].value = False
    assert lab.run.recipe == rw.RECIPES["caffe2"] and lab.controls["seed"].value == 0


def test_caffe2_epochs_says_use_steps():
    lab = Lab("caffe2", display="none")
    lab.controls["epochs"].value = 5
    assert lab.message == "epochs: caffe2 draws a fresh batch every step: use steps."


def test_png_and_ipympl_views_show_the_real_path(monkeypatch):
    pytest.importorskip("ipympl")
    lab = Lab("mxnet", display="ipympl")
    lab.controls["framework"].value = True
    assert_real(lab, "mxnet")
    lab = Lab("pytorch", display="png")
    renders = lab.view.renders
    lab.controls["framework"].value = True
    assert lab.display_mode == "png" and lab.view.renders == renders + 1
    assert lab.view.widget.value[:4] == b"\x89PNG"


def test_side_by_side_shared_real_toggle():
    side = SideBySide(display="none")
    side.real.value = True
    assert side.seed.disabled
    for name, lab in side.labs.items():
        assert lab.controls["framework"].value
        assert_real(lab, name)
        assert "\n" not in lab.panels.reference_label
    side.progress.value = 0.5
    assert all(lab.position == round(0.5 * lab.run.steps) for lab in side.labs.values())
    side.labs["pytorch"].controls["lr"].value = 0.03
    assert "\n" in side.labs["pytorch"].panels.reference_label  # two lines in a narrow column
    side.real.value = False
    assert not side.seed.disabled
    for name, lab in side.labs.items():
        assert not lab.controls["framework"].value and lab.panels.reference is None
        np.testing.assert_array_equal(lab.run.theta[0], rw.initial_theta(name, 0))
