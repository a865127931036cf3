"""The stability map widget (issue 15): linked to a Lab, a click sets its sliders; cancel; the figure; rw names."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.engine.stability_map import MapCancelled


def test_lab_stability_map_marks_the_lab_and_a_click_sets_its_sliders():
    lab = rw.Lab("pytorch", display="none")
    smap = lab.stability_map(seeds=1, x_values=[0.005, 0.05, 0.3], y_values=[2, 8, 25])
    assert isinstance(smap, rw.StabilityMap) and smap.grid is not None and smap.lab is lab
    assert smap.grid.recipe.epochs == lab.recipe.epochs and smap.grid.seeds == (lab.seed,)
    assert smap.progress.description == "done" and "click a cell" in smap.info.value
    assert list(smap.panel.marker.get_xdata()) == [lab.state.lr]
    ax = smap.panel.ax
    x, y = ax.transData.transform((0.3, 25))  # a click on the cell lr 0.3, batch 25
    event = SimpleNamespace(inaxes=ax, xdata=0.29, ydata=24.0, x=x, y=y)
    smap._on_click(event)
    assert lab.state.lr == 0.3 and lab.state.batch_size == 25 and lab.run.recipe.batch_size == 25
    assert list(smap.panel.marker.get_xdata()) == [0.3] and list(smap.panel.marker.get_ydata()) == [25]
    assert smap.select(0, 0) == {"lr": 0.005, "batch_size": 2} and lab.state.lr == 0.005
    smap._on_click(SimpleNamespace(inaxes=None, xdata=None, ydata=None))  # outside the map: nothing
    assert lab.state.lr == 0.005


def test_a_map_along_momentum_for_a_lab_with_an_optimizer():
    lab = rw.Lab("caffe2", display="none", optimizer="nesterov", momentum=0.5)
    smap = lab.stability_map(y="momentum", seeds=1, x_values=[0.1, 1.0, 3.0], y_values=[0.3, 0.8])
    assert smap.grid.recipe.optimizer == "nesterov"
    smap.select(1, 1)
    assert lab.state.momentum == 0.8 and lab.state.lr == 1.0
    np.testing.assert_allclose(smap.grid.gd_limit, [2 * 1.3 / 1.6, 2 * 1.8 / 2.6])


def test_cancel_in_the_background():
    smap = rw.StabilityMap("mxnet", display="none", background=True, seeds=1, n=3, epochs=1,
                           x_values=[0.01, 0.021], y_values=[1, 2, 3])
    smap.cancel()
    grid = smap.wait(60)
    if grid is None:  # cancelled before the first row was done
        assert smap.progress.description == "cancelled" and "cancelled" in smap.info.value
    smap.compute()
    assert smap.wait(60) is not None and smap.progress.description == "done"


def test_the_figure_and_the_names():
    grid = rw.stability_map("caffe2", seeds=2, x_values=[0.1, 1.0, 2.5, 4.0], y_values=[1, 8, 64])
    fig = rw.map_figure(grid, mark=(0.1, 64))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel().startswith("lr")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("mean-square" in t for t in labels) and any("gradient descent" in t for t in labels)
    assert "every seed blew up" in labels and "the Lab now" in labels
    with pytest.raises(rw.InvalidSetting):
        rw.StabilityMap("caffe2", y="steps", display="none")


def test_stopping_between_rows_raises():
    with pytest.raises(MapCancelled):
        rw.stability_map("pytorch", cancel=lambda: True, seeds=1, n=2)
    smap = rw.StabilityMap("pytorch", display="none", seeds=1, n=2)
    assert repr(smap) == "StabilityMap('pytorch', x='lr', y='batch_size')"


def test_the_labs_note_gives_both_limits_for_the_batch_size():
    lab = rw.Lab("mxnet", display="none")
    note = lab.lr_info.value
    words = re.sub(r"<[^>]+>", "", note)
    assert "lr can grow ×9.89e+03 before the stability limit 2/λmax ≈ 0.989" in words
    assert "with batches of 4, expect trouble above <b>≈ 0.53</b> even though gradient descent is stable up to 0.99" \
        in note
    lab.set(lr=0.7)
    assert "⚠ past ≈ 0.53</b>, the mean-square limit for batches of 4" in lab.lr_info.value
    lab.set(batch_size=1, lr=0.1)
    assert "with one example a step, expect trouble above <b>≈ 0.22</b>" in lab.lr_info.value
    lab.set(batch_size=10_000)
    assert "mean-square" not in lab.lr_info.value and "expect trouble" not in lab.lr_info.value  # the full batch
    lab.set(lr=1.5)
    assert "past the stability limit 2/λmax ≈ 0.989" in lab.lr_info.value
    torch_lab = rw.Lab("pytorch", display="none")  # shuffled epochs of 50: batches of 8 lower no limit
    assert "the mean-square limit is gradient descent's" in torch_lab.lr_info.value


def test_a_click_on_the_screen_widget_sets_the_labs_sliders():
    """In a kernel the map is drawn on the Lab's screen widget: its clicks come in display coordinates."""
    lab = rw.Lab("pytorch", display="none")
    smap = rw.StabilityMap.for_lab(lab, display="screen", background=False, seeds=1, x_values=[0.005, 0.05, 0.3],
                                   y_values=[2, 8, 25])
    screen = smap.view.widget
    screen.send = lambda *args, **kwargs: None
    screen._heard(screen, {"type": "ready"}, [])
    x, y = smap.panel.ax.transData.transform((0.3, 25))
    height = smap.figure.bbox.height
    screen._heard(screen, {"type": "click", "x": x, "y": height - y}, [])  # the page's y runs down
    assert lab.state.lr == 0.3 and lab.state.batch_size == 25
    screen._heard(screen, {"type": "click", "x": 1, "y": 1}, [])  # the figure's corner, outside the map
    assert lab.state.lr == 0.3
