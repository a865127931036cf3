"""The Lab on your own data: no truth, no noise to set, the "standardize features" toggle, the columns' names."""

from __future__ import annotations

import numpy as np
import pytest

import regress_widgets as rw


@pytest.fixture
def anscombe():
    return rw.datasets.anscombe(1)


def test_lab_of_a_csv(tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("hours;score\n1;52\n2;55\n3;61\n4;64\n5;70\n6;71\n")
    lab = rw.Lab(rw.read_csv(path, x="hours", y="score"), display="none")
    assert lab.recipe.data.feature_names == ("hours",) and lab.run.steps == lab.recipe.total_steps
    assert "<th style='text-align:right;padding:0 8px'>w_hours</th>" in lab.readout.value
    contour = lab.panels.contour.ax
    assert contour.get_xlabel() == "w_hours" and contour.get_ylabel() == "b"
    assert lab.panels.data.ax.get_xlabel() == "hours" and lab.panels.data.ax.get_ylabel() == "score"


def test_the_truth_is_absent_and_said_once(anscombe):
    lab = rw.Lab(anscombe, display="none")
    assert lab.readout.value.count("unknown: your own data") == 1
    assert lab.message == ""  # not an error
    contour = lab.panels.contour
    assert len(contour.truth_mark.get_xdata()) == 0
    assert "ground truth: unknown (your own data)" in [t.get_text() for t in contour.legend.get_texts()]
    optimum = rw.Landscape.for_recipe(anscombe).optimum
    assert f"{optimum[0]:.4g}" in lab.readout.value


def test_the_noise_slider_steps_aside_with_its_reason(anscombe):
    lab = rw.Lab(anscombe, display="none")
    assert lab.controls["noise"].disabled and "labels were measured" in lab.controls["noise"].tooltip
    assert "no noise to set" in lab.readouts.notes["noise"].value
    lab.controls["noise"].value = 0.5  # code can still move it: refused, and said
    assert lab.state.noise == 0 and lab.message.startswith("Refused: noise must be left at 0 for your own data")
    lab.controls["lr"].value = 0.001  # the next change clears the refusal; the reason stays under its row
    assert "no noise to set" in lab.readouts.notes["noise"].value
    lab.set(recipe="pytorch")
    assert not lab.controls["noise"].disabled and lab.readouts.notes["noise"].value == ""
    assert lab.controls["standardize"].layout.display == "none"


def test_standardize_toggle_redraws_the_surface_keeping_the_original_units(anscombe):
    lab = rw.Lab(anscombe, display="none")
    raw_land, raw_lr = lab.landscape, lab.recipe.lr
    assert lab.controls["standardize"].layout.display is None and not lab.controls["standardize"].value
    lab.controls["standardize"].value = True
    land = lab.landscape
    assert lab.recipe.data.standardize and land is not raw_land
    ratio = raw_land.eigenvalues[0] / raw_land.eigenvalues[-1]
    assert ratio > 100 > 3 > land.eigenvalues[0] / land.eigenvalues[-1]  # long and thin → round
    assert land.lr_max / raw_land.lr_max == pytest.approx(lab.recipe.lr / raw_lr, rel=1e-9)  # lr keeps its fraction
    assert lab.message.startswith(f"lr {raw_lr:g} → {lab.recipe.lr:.3g}: it keeps its fraction of the stability")
    assert f"{land.lr_max:.3g}" in lab.lr_info.value
    # the readouts stay in the data's units: θ shown = to_original(θ trained)
    theta = lab.recipe.data.to_original(lab.run.theta[-1])
    assert f"<b>θ after step {lab.run.steps}</b></td><td style='text-align:right;padding:0 8px'>{theta[0]:.4g}" \
        in lab.readout.value
    assert "as trained (standardized)" in lab.readout.value
    assert "(standardized)" in lab.panels.contour.ax.get_xlabel()
    np.testing.assert_allclose(lab.run.stream.X.std(), 1.0, rtol=0.2)
    lab.controls["standardize"].value = False
    assert not lab.recipe.data.standardize and lab.recipe.lr == pytest.approx(raw_lr, rel=1e-9)
    assert lab.landscape.lr_max == pytest.approx(raw_land.lr_max)


def test_standardize_refused_for_the_tutorials():
    lab = rw.Lab("pytorch", display="none")
    with pytest.raises(rw.InvalidSetting, match="standardize must be False: pytorch's inputs are drawn with scale 1"):
        lab.set(standardize=True)
    assert not lab.state.standardize


def test_reset_and_caching_by_recipe(anscombe):
    lab = rw.Lab(anscombe, display="none", lr=0.001)
    lab.set(standardize=True)
    lab.reset()
    assert lab.recipe == anscombe
    other = rw.datasets.anscombe(2)  # same name pattern, other data: never served from the first one's cache
    lab.set(recipe=other)
    assert lab.recipe == other
    assert np.array_equal(np.sort(lab.run.stream.y[:11]), np.sort(other.data.y))
    assert lab.landscape.optimum == pytest.approx(rw.Landscape.for_recipe(other).optimum)


def test_standardized_from_the_start():
    lab = rw.Lab(rw.datasets.anscombe(3, standardize=True), display="none")
    assert lab.controls["standardize"].value and lab.state.standardize
    lab.set(standardize=False)
    assert not lab.recipe.data.standardize
