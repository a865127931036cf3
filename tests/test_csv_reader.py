"""rw.read_csv and ``regress-widgets run --csv``: hand-made files, good and bad, each error message asserted."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.cli import commands as cli
from regress_widgets.own_data.from_data import DataError

GOOD = "height,weight,name\n1.5,50,ann\n1.6,55,bob\n1.7,61,cy\n1.8,70,di\n"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def call(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# --- good files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "x", "y"), [
    (GOOD, "height", "weight"),
    ("\ufeff" + GOOD, "height", "weight"),  # UTF-8 with a byte-order mark
    (GOOD.replace(",", ";"), ["height"], "weight"),
    (GOOD.replace(",", "\t"), 0, 1),
    (GOOD.replace("\n", "\r\n"), "height", "weight"),  # Windows line ends
    ('"height","weight","name"\n"1.5","50",ann\n1.6,55,bob\n\n1.7, 61 ,cy\n1.8,70,di', "height", "weight"),
    ("1.5,50\n1.6,55\n1.7,61\n1.8,70\n", 0, "1"),  # no header: columns by index
])
def test_good_files_read_the_same(tmp_path, text, x, y):
    r = rw.read_csv(write(tmp_path, "people.csv", text), x=x, y=y)
    assert r.data.X[:, 0].tolist() == [1.5, 1.6, 1.7, 1.8]
    assert r.data.y.tolist() == [50, 55, 61, 70]
    assert r.name == "people" and r.data.source == "people.csv"


def test_header_names_become_the_parameter_names(tmp_path):
    r = rw.read_csv(write(tmp_path, "p.csv", GOOD), x=["weight"], y="height", standardize=True, like="mxnet")
    assert r.data.feature_names == ("weight",) and r.data.target_name == "height" and r.data.standardize
    assert r.param_names == ("w_weight", "b") and r.loss_scale == 1.0 and r.init_b is not None
    assert rw.read_csv(write(tmp_path, "q.csv", "1,2\n3,4\n"), x=0, y=1).data.feature_names == ("column 0",)


def test_read_csv_equals_from_data(tmp_path):
    r = rw.read_csv(write(tmp_path, "p.csv", GOOD), x="height", y="weight", name="class")
    same = rw.from_data([1.5, 1.6, 1.7, 1.8], [50, 55, 61, 70], feature_names=["height"], target_name="weight",
                        name="class")
    assert r.data == same.data
    assert np.array_equal(rw.train(r, seed=1).theta, rw.train(same, seed=1).theta)


# --- bad files: one clear line naming the file, row and column ------------------------------------


@pytest.mark.parametrize(("text", "kwargs", "message"), [
    ("height,weight\n1.5,50\n1.6,heavy\n", {}, "p.csv, row 3, column 'weight': 'heavy' is not a number"),
    ("height;weight\n1,5;50\n", {}, r"p.csv, row 2, column 'height': '1,5' is not a number \(a decimal comma\?"),
    ("height,weight\n1.5,50\n1.6,\n1.7,nan\n1.8,inf\n", {},
     r"p.csv, row 3, column 'weight': an empty, NaN or infinite value \(the first of 3 rows with one\); clean it, "
     r"or pass drop_missing=True"),
    ("height,weight\n1.5,50\n\nNA,55\n1.8,61\n", {}, r"p.csv, row 4, column 'height': an empty, NaN or infinite "
     r"value \(the only row with one\)"),
    ("height,weight\n1.5,50\n", {}, "p.csv: 1 row of data; at least 2 are needed to fit a line"),
    ("height,weight\n", {}, "p.csv: no rows of data under the header"),
    ("", {}, "p.csv: the file is empty"),
    ("height weight\n1 2\n", {}, "p.csv, row 1: one column only; the columns must be separated by a comma"),
    ("height,weight\n1.5,50\n1.6\n", {}, r"p.csv, row 3: 1 cell, no column 'weight' \(the header has 2\)"),
    (GOOD, {"x": "age"}, "p.csv: no column 'age'; the columns are 'height', 'weight', 'name'"),
    (GOOD, {"y": "name"}, "p.csv, row 2, column 'name': 'ann' is not a number"),
    (GOOD, {"y": "height"}, "p.csv: column 'height' is both an input"),
    ("1,2\n3,4\n", {"x": "height", "y": 1}, r"p.csv: no column 'height'; the columns are indices 0 … 1 \(the file "
     r"has no header\)"),
    (b"height,weight\n1.5,50\n1.6,5\xe9\n", {}, r"p.csv, row 3: not UTF-8 text \(byte 0xe9\)"),
    (GOOD, {"batch_size": 5}, r"batch_size must be an integer in \[1, 4\], got 5"),
    (GOOD, {"noise": 1.0}, "noise must be left at 0 for your own data"),
])
def test_bad_files_are_refused_with_a_clear_message(tmp_path, text, kwargs, message):
    path = write(tmp_path, "p.csv", text)
    with pytest.raises((DataError, rw.InvalidSetting), match=message):
        rw.read_csv(path, **{"x": "height", "y": "weight", **kwargs})


def test_a_missing_file(tmp_path):
    with pytest.raises(DataError, match="nope.csv: no such file"):
        rw.read_csv(tmp_path / "nope.csv", x="a", y="b")
    with pytest.raises(DataError, match="not a file"):
        rw.read_csv(tmp_path, x="a", y="b")


def test_missing_rows_dropped_when_asked_and_said(tmp_path):
    path = write(tmp_path, "p.csv", "height,weight\n1.5,50\n1.6,\n\n1.7,61\nNaN,1\n1.8,70\n")
    r = rw.read_csv(path, x="height", y="weight", drop_missing=True)
    assert r.data.y.tolist() == [50, 61, 70]
    assert r.data.notes[0] == ("dropped 2 rows with an empty, NaN or infinite value (drop_missing), the first: "
                               "p.csv, row 3; 3 rows remain")


def test_collinear_columns_say_so_and_train(tmp_path):
    rows = "\n".join(f"{t},{2 * t},{3 * t + 1 + (t % 3) * 0.1}" for t in range(10))
    r = rw.read_csv(write(tmp_path, "c.csv", "a,b,y\n" + rows), x=["a", "b"], y="y")
    assert any("not unique: features 'a', 'b' are collinear" in note for note in r.data.notes)
    X = np.column_stack([r.data.X, np.ones(10)])
    assert np.abs(rw.Landscape.for_recipe(r).optimum - np.linalg.lstsq(X, r.data.y, rcond=None)[0]).max() < 1e-8


# --- big files: memory near the numbers, a progress bar ---------------------------------------------


def test_reading_and_training_stay_within_three_times_the_numbers(tmp_path):
    n = 400_000
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    y = x @ [2.0, -1.0] + 0.5
    path = tmp_path / "big.csv"
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", fmt="%.6f", header="a,b,y", comments="")
    numbers = n * 3 * 8
    rw.train(rw.from_data(x[:200], y[:200]), epochs=1, batch_size=64, method="compiled")  # numba compiles first
    tracemalloc.start()
    try:
        recipe = rw.read_csv(path, x=["a", "b"], y="y", progress=False)
        read_peak = tracemalloc.get_traced_memory()[1]
        run = rw.train(recipe, epochs=1, batch_size=64)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert recipe.n_examples == n and run.steps == -(-n // 64)
    assert read_peak <= 1.5 * numbers, read_peak / numbers
    assert peak <= 3 * numbers, peak / numbers


def test_a_progress_bar_while_reading(tmp_path, capsys):
    path = write(tmp_path, "p.csv", GOOD)
    rw.read_csv(path, x="height", y="weight", progress=True)
    err = capsys.readouterr().err
    assert "reading p.csv" in err and "100%" in err
    rw.read_csv(path, x="height", y="weight")  # a small file: no bar unless asked
    assert capsys.readouterr().err == ""


# --- the command line ------------------------------------------------------------------------------


def test_run_csv_json(tmp_path, capsys):
    path = write(tmp_path, "p.csv", GOOD)
    code, out, err = call(["run", "--csv", str(path), "--x", "height", "--y", "weight", "--json"], capsys)
    assert code == 0, err
    s = json.loads(out)
    assert s["w_true"] is None and s["b_true"] is None
    assert s["feature_names"] == ["height"] and s["target_name"] == "weight" and s["csv"] == "p.csv"
    r = rw.read_csv(path, x="height", y="weight")
    land = rw.Landscape.for_recipe(r)
    assert [*s["w_opt"], s["b_opt"]] == pytest.approx(land.optimum.tolist(), abs=1e-9)
    assert s["lr_max"] == pytest.approx(land.lr_max) and s["lr"] == r.lr
    assert [*s["w"], s["b"]] == pytest.approx(rw.train(r).theta[-1].tolist(), abs=1e-12)
    assert s["notes"] == list(r.data.notes) and s["like"] == "pytorch" and s["standardize"] is False


def test_run_csv_standardized_reports_the_data_units(tmp_path, capsys):
    path = write(tmp_path, "p.csv", GOOD)
    code, out, _ = call(["run", "--csv", str(path), "--x", "height", "--y", "weight", "--standardize",
                         "--like", "mxnet", "--epochs", "400", "--json"], capsys)
    assert code == 0
    s = json.loads(out)
    run = rw.train(rw.read_csv(path, x="height", y="weight", standardize=True, like="mxnet"), epochs=400)
    data = run.recipe.data
    assert [*s["w_scaled"], s["b_scaled"]] == pytest.approx(run.theta[-1].tolist(), abs=1e-12)
    assert [*s["w"], s["b"]] == pytest.approx(data.to_original(run.theta[-1]).tolist(), abs=1e-12)
    lstsq = np.linalg.lstsq(np.column_stack([data.X, np.ones(4)]), data.y, rcond=None)[0]
    assert [*s["w_opt"], s["b_opt"]] == pytest.approx(lstsq.tolist(), abs=1e-9)


def test_run_csv_text(tmp_path, capsys):
    path = write(tmp_path, "p.csv", GOOD)
    code, out, _ = call(["run", "--csv", str(path), "--x", "height", "--y", "weight"], capsys)
    assert code == 0
    assert "ground truth         unknown (your own data)" in out and "4 rows of height → weight" in out
    assert "note: batch size 4: the pytorch tutorial's 8 is more than the 4 rows" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--x", "height", "--y", "weight", "--csv", "{bad}"],
     "--csv: bad.csv, row 3, column 'weight': 'heavy' is not a number"),
    (["--x", "height", "--y", "weight", "--csv", "{missing}"], "missing.csv: no such file"),
    (["--x", "age", "--y", "weight", "--csv", "{good}"],
     "--x: p.csv: no column 'age'; the columns are 'height', 'weight', 'name'"),
    (["--x", "height", "--csv", "{good}"], "--y: y must be a column of the CSV file"),
    (["--x", "height", "--y", "weight", "--csv", "{good}", "--noise", "1"], "--noise: noise must be left at 0"),
    (["--x", "height", "--y", "weight", "--csv", "{good}", "--batch-size", "9"],
     r"--batch-size: batch_size must be an integer in [1, 4], got 9"),
    (["--x", "height", "--y", "weight", "--csv", "{good}", "--like", "keras"], "--like: like must be one of"),
    (["pytorch", "--x", "height"], "--x: x must be given only with --csv FILE"),
    (["pytorch", "--csv", "{good}"], "--csv: csv must be given without a recipe name"),
    ([], "recipe must be one of caffe2, mxnet, pytorch, or --csv FILE --x COL --y COL"),
])
def test_run_csv_bad_input_exits_2_with_one_line(tmp_path, capsys, args, message):
    files = {"good": write(tmp_path, "p.csv", GOOD), "bad": write(tmp_path, "bad.csv", "height,weight\n1,2\n2,heavy\n"),
             "missing": tmp_path / "missing.csv"}
    code, out, err = call(["run", *(a.format(**files) for a in args)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("regress-widgets run: error: ")
    assert message in err


def test_run_csv_png(tmp_path, capsys):
    path = write(tmp_path, "p.csv", GOOD)
    png = tmp_path / "fit.png"
    code, _, err = call(["run", "--csv", str(path), "--x", "height", "--y", "weight", "--standardize", "--png",
                         str(png)], capsys)
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
