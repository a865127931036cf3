"""``regress-widgets map`` (issue 15): the JSON contract, the PNG, bad input → one line naming the option, exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.cli import main


def _json(capsys, *argv):
    assert main(["map", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_holds_the_axes_the_grid_and_both_limits(capsys):
    out = _json(capsys, "mxnet", "--x-values", "0.05,0.5,2", "--y-values", "1,4,100", "--seeds", "2", "--epochs", "1")
    assert out["x"] == "lr" and out["y"] == "batch_size" and out["x_values"] == [0.05, 0.5, 2.0]
    assert out["y_values"] == [1, 4, 100] and out["seeds"] == [0, 1] and out["limits_along"] == "batch_size"
    assert np.shape(out["relative_loss"]) == (3, 3) and np.shape(out["blown_up"]) == (3, 3)
    assert np.shape(out["final_loss"]) == (3, 3, 2)
    st = rw.Stability.for_recipe("mxnet", 0)
    assert out["ms_limit"] == pytest.approx([st.mean_square_limit(b) for b in (1, 4, 100)])
    assert out["gd_limit"] == pytest.approx([st.gd_limit()] * 3)
    assert [row[-1] for row in out["blown_up"]] == [1.0, 1.0, 1.0] and out["relative_loss"][0][-1] is None
    assert out["settings"]["epochs"] == 1 and "lr" not in out["settings"]


def test_the_default_map_and_a_png(capsys, tmp_path):
    png = tmp_path / "map.png"
    assert main(["map", "pytorch", "--n", "4", "--seeds", "1", "--png", str(png)]) == 0
    text = capsys.readouterr().out
    assert "mean square" in text and "map written to" in text and png.read_bytes()[:4] == b"\x89PNG"
    out = _json(capsys, "caffe2", "--y", "momentum", "--n", "3", "--seeds", "1")
    assert out["y"] == "momentum" and len(out["gd_limit"]) == 3


@pytest.mark.parametrize("argv, option", [
    (["pytorch", "--x", "steps"], "--x"),
    (["pytorch", "--y", "lr"], "--y"),
    (["pytorch", "--lr", "0.1"], "--lr"),
    (["pytorch", "--x-values", "0.1,abc"], "--x-values"),
    (["pytorch", "--x-values", "0.2,0.1"], "--x-values"),
    (["pytorch", "--y-values", "1,60"], "--y-values"),
    (["pytorch", "--seeds", "0"], "--seeds"),
    (["pytorch", "--n", "1"], "--n"),
    (["pytorch", "--backend", "tpu"], "--backend"),
    (["pytorch", "--png", "map.jpg"], "--png"),
    (["nope"], "recipe"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, option):
    assert main(["map", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith(f"regress-widgets map: error: {option}:")
