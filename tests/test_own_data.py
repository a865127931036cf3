"""Your own data (issue own-data): from_data, the recipe it makes, standardizing, the optimum and the limit."""

from __future__ import annotations

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.own_data.from_data import DataError, OwnData


class Frame:
    """A DataFrame as pandas and polars hand one over (``columns``, ``to_numpy``), without either library."""

    def __init__(self, columns: dict):
        self.columns = list(columns)
        self._values = np.column_stack([np.asarray(v, dtype=object) for v in columns.values()])

    def to_numpy(self):
        return self._values


class Series:
    def __init__(self, name, values):
        self.name = name
        self._values = np.asarray(values)

    def to_numpy(self):
        return self._values


def _data(n=40, d=2, seed=1, scale=(1.0, 300.0)):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.asarray(scale[:d]) + np.arange(d) * 50
    y = (X / np.asarray(scale[:d])) @ np.linspace(1, 2, d) + 4 + rng.normal(0, 0.1, n)
    return X, y


def _design(X):
    return np.column_stack([X, np.ones(len(X))])


# --- the recipe -----------------------------------------------------------------------------------


def test_a_recipe_with_the_tutorials_conventions():
    X, y = _data()
    for like, tutorial in rw.RECIPES.items():
        r = rw.from_data(X, y, like=like)
        assert isinstance(r, rw.Recipe) and r.data.like == like and not r.has_truth
        assert (r.theta_true, r.w_true, r.b_true) == (None, None, None)
        assert r.n_examples == 40 and r.dim == 2 and not r.streaming
        for field in ("loss_scale", "first_iteration", "init_w", "init_b", "lr_in_velocity", "adam_step_offset",
                      "adam_eps_corrected", "gamma", "stepsize"):
            assert getattr(r, field) == getattr(tutorial, field), (like, field)
        assert r.batch_size == min(tutorial.batch_size, 40)
        assert r.param_names == ("w_x0", "w_x1", "b")
    assert rw.from_data(X, y, like="caffe2").steps == 100  # Caffe2 counts iterations


def test_lr_scaled_to_the_data_and_said():
    X, y = _data(scale=(1.0, 300.0))
    r = rw.from_data(X, y)  # pytorch's 0.01 is far past this data's limit
    limit = rw.Landscape.for_recipe(r).lr_max
    assert r.lr < limit and r.lr == pytest.approx(0.03 * limit, rel=0.5)
    assert any(note.startswith(f"lr {r.lr:g}: the pytorch tutorial's 0.01") for note in r.data.notes)
    s = rw.from_data(X, y, standardize=True)  # round contours: the tutorial's lr suits
    assert s.lr == 0.01 and not any(note.startswith("lr ") for note in s.data.notes)


def test_run_length_about_the_tutorials_steps():
    X, y = _data(n=11)
    r = rw.from_data(X, y)  # 2 batches per epoch (8 + 3): 88 epochs ≈ the tutorial's 175 steps
    assert r.steps_per_epoch == 2 and r.epochs == 88
    assert "88 epochs of 2 steps: about the 175 SGD steps of the pytorch tutorial" in r.data.notes
    assert rw.from_data(X, y, epochs=3).epochs == 3


def test_accepted_wherever_a_recipe_name_is():
    X, y = _data()
    r = rw.from_data(X, y, standardize=True)
    run = rw.train(r, seed=2)
    assert run.steps == r.total_steps and run.diverged_at is None
    assert run.landscape.optimum == pytest.approx(rw.Landscape.for_recipe(r).optimum)
    swept = rw.sweep(r, lr=[0.005, 0.01], keep_path=True)
    assert np.array_equal(swept.runs[1].theta, rw.train(r, seed=0).theta)
    assert rw.train(r, seed=2, lr=0.02).recipe.lr == 0.02


def test_hash_and_equality_by_content():
    X, y = _data()
    a, b = rw.from_data(X, y), rw.from_data(X.copy(), y.copy())
    assert a == b and hash(a) == hash(b) and a.data is not b.data
    y2 = y.copy()
    y2[3] += 1e-9
    assert rw.from_data(X, y2) != a
    assert rw.standardized(a) != a
    back = rw.standardized(rw.standardized(a), False)
    assert back.data == a.data and back.lr == pytest.approx(a.lr, rel=1e-12)
    assert {a: 1}[b] == 1
    assert not a.data.X.flags.writeable and not a.data.y.flags.writeable
    X[0, 0] = 99.0  # the caller's array is theirs: the recipe took a copy
    assert a.data.X[0, 0] != 99.0


def test_noise_steps_aside():
    X, y = _data()
    r = rw.from_data(X, y)
    assert r.noise == 0
    with pytest.raises(rw.InvalidSetting, match="noise must be left at 0 for your own data: its labels were"):
        r.with_settings(noise=0.5)
    assert r.with_settings(noise=0.0) == r


# --- arrays, lists and DataFrames -----------------------------------------------------------------


def test_a_dataframe_and_an_array_give_identical_runs():
    X, y = _data()
    frame = Frame({"height": X[:, 0], "weight": X[:, 1]})
    from_frame = rw.from_data(frame, Series("age", y))
    from_array = rw.from_data(X, y, feature_names=["height", "weight"], target_name="age")
    assert from_frame == from_array
    assert from_frame.data.feature_names == ("height", "weight") and from_frame.data.target_name == "age"
    assert from_frame.param_names == ("w_height", "w_weight", "b")
    a, b = rw.train(from_frame, seed=5), rw.train(from_array, seed=5)
    assert np.array_equal(a.theta, b.theta) and np.array_equal(a.loss, b.loss)
    lists = rw.from_data(X.tolist(), y.tolist(), feature_names=["height", "weight"], target_name="age")
    assert np.array_equal(rw.train(lists, seed=5).theta, a.theta)


def test_one_feature_as_a_vector_a_series_or_a_list():
    x = np.linspace(0, 1, 9)
    y = 2 * x + 1
    names = {rw.from_data(x, y).data.feature_names, rw.from_data(Series("t", x), y).data.feature_names}
    assert names == {("x",), ("t",)}
    assert rw.from_data(list(x), y) == rw.from_data(x[:, None], y)


@pytest.mark.parametrize(("X", "y", "message"), [
    (np.ones((3, 2)), np.ones(4), "data: X has 3 rows but y has 4 values"),
    (np.ones((1, 1)), np.ones(1), "data: 1 row of data; at least 2 are needed"),
    (np.zeros((4, 0)), np.ones(4), r"X must have shape \(N,\) or \(N, d\) with d ≥ 1 features, got shape \(4, 0\)"),
    (np.ones((2, 2, 2)), np.ones(2), "X must have shape"),
    (np.ones(3), np.ones((3, 2)), r"y must have shape \(N,\), one label per row"),
    ("abc", np.ones(3), "X must be numbers"),
    ([[1, 2], [3]], [1, 2], "X must be a table of numbers"),
    (np.array([1.0, 2.0, np.nan, np.inf]), np.arange(4.0),
     r"data, row 2, column 'x': an empty, NaN or infinite value \(the first of 2 rows with one\)"),
    (np.array(["1", "2"]), np.ones(2), r"X: row 0, column 'x' holds np.str_\('1'\) \(str_\), not a number"),
])
def test_bad_arrays_are_refused_with_the_reason(X, y, message):
    with pytest.raises(DataError, match=message):
        rw.from_data(X, y)


def test_a_non_numeric_cell_of_a_dataframe_names_its_row_and_column():
    frame = Frame({"a": [1.0, 2.0, 3.0], "b": [1.0, "n/a?", 2.0]})
    with pytest.raises(DataError, match=r"X: row 1, column 'b' holds 'n/a\?' \(str\), not a number"):
        rw.from_data(frame, [1, 2, 3])


def test_missing_values_dropped_only_when_asked():
    x = np.array([1.0, np.nan, 3.0, 4.0, 5.0])
    y = np.array([1.0, 2.0, 3.0, np.nan, 5.0])
    with pytest.raises(DataError, match="row 1, column 'x'.*first of 2 rows"):
        rw.from_data(x, y)
    r = rw.from_data(x, y, drop_missing=True)
    assert r.n_examples == 3 and r.data.y.tolist() == [1.0, 3.0, 5.0]
    assert r.data.notes[0] == ("dropped 2 rows with an empty, NaN or infinite value (drop_missing), the first: "
                               "data, row 1; 3 rows remain")


def test_batch_size_larger_than_the_data():
    X, y = _data(n=5)
    assert rw.from_data(X, y).batch_size == 5
    with pytest.raises(rw.InvalidSetting, match=r"batch_size must be an integer in \[1, 5\], got 6"):
        rw.from_data(X, y, batch_size=6)
    with pytest.raises(rw.InvalidSetting, match=r"batch_size must be an integer in \[1, 5\], got 6"):
        rw.train(rw.from_data(X, y), batch_size=6)


def test_bad_options():
    X, y = _data()
    with pytest.raises(rw.InvalidSetting, match="like must be one of caffe2, mxnet, pytorch"):
        rw.from_data(X, y, like="keras")
    with pytest.raises(rw.InvalidSetting, match="standardize must be True or False"):
        rw.from_data(X, y, standardize="yes")
    with pytest.raises(DataError, match="feature_names must be 2 different non-empty names"):
        rw.from_data(X, y, feature_names=["a", "a"])
    with pytest.raises(rw.InvalidSetting, match="colour must be a setting train takes"):
        rw.from_data(X, y, colour=1)


# --- the optimum, the limit, standardizing ----------------------------------------------------------


@pytest.mark.parametrize("standardize", [False, True])
def test_least_squares_optimum_is_lstsq(standardize):
    X, y = _data(n=60, d=2)
    r = rw.from_data(X, y, standardize=standardize)
    inputs = (X - X.mean(axis=0)) / X.std(axis=0) if standardize else X
    expected = np.linalg.lstsq(_design(inputs), y, rcond=None)[0]
    assert np.abs(rw.Landscape.for_recipe(r).optimum - expected).max() < 1e-10
    original = np.linalg.lstsq(_design(X), y, rcond=None)[0]
    assert np.abs(r.data.to_original(rw.Landscape.for_recipe(r).optimum) - original).max() < 1e-10


@pytest.mark.parametrize("like", ["pytorch", "caffe2"])
def test_stability_limit_is_two_over_the_largest_hessian_eigenvalue(like):
    X, y = _data(n=30, d=2)
    r = rw.from_data(X, y, like=like)
    A = _design(X)
    scale = 0.5 if like == "caffe2" else 1.0  # loss = scale · mean((Aθ − y)²): Hessian 2·scale·AᵀA/N
    hessian = 2 * scale * A.T @ A / len(A)
    expected = 2 / np.linalg.eigvalsh(hessian).max()
    assert rw.Landscape.for_recipe(r).lr_max == pytest.approx(expected, rel=1e-12)
    # and gradient descent on the full data does diverge just past it, not just below
    def descend(lr):
        theta = np.zeros(3)
        for _ in range(3000):
            theta -= lr * 2 * scale * A.T @ (A @ theta - y) / len(A)
        return np.abs(theta).max()

    assert descend(0.99 * expected) < 1e3 < descend(1.01 * expected)


def test_standardize_round_trip():
    X, y = _data(n=25, d=2)
    data = rw.from_data(X, y, standardize=True).data
    assert data.inputs.mean(axis=0) == pytest.approx([0, 0], abs=1e-12)
    assert data.inputs.std(axis=0) == pytest.approx([1, 1], abs=1e-12)
    theta = np.random.default_rng(0).normal(size=(7, 3))
    assert np.abs(data.to_original(data.to_scaled(theta)) - theta).max() < 1e-12
    assert np.abs(data.to_scaled(data.to_original(theta)) - theta).max() < 1e-12
    # the same predictions: θ_z on standardized inputs and to_original(θ_z) on the raw ones
    z = theta[0]
    assert _design(data.inputs) @ z == pytest.approx(_design(X) @ data.to_original(z), abs=1e-9)
    run = rw.train(rw.from_data(X, y, standardize=True))
    assert run.landscape.min_loss == pytest.approx(rw.Landscape.for_recipe(rw.from_data(X, y)).min_loss, rel=1e-9)


def test_standardizing_makes_the_contours_round():
    X, y = _data(n=200, d=2, scale=(1.0, 300.0))
    raw, std = rw.from_data(X, y), rw.from_data(X, y, standardize=True)
    values = [rw.Landscape.for_recipe(r).eigenvalues for r in (raw, std)]
    assert values[0][0] / values[0][-1] > 1e4 > 10 > values[1][0] / values[1][-1]
    switched = rw.standardized(raw)
    assert switched.data.standardize and switched.lr == pytest.approx(
        raw.lr * rw.Landscape.for_recipe(switched).lr_max / rw.Landscape.for_recipe(raw).lr_max, rel=0.5)
    with pytest.raises(rw.InvalidSetting, match="only your own data can be standardized"):
        rw.standardized(rw.RECIPES["pytorch"])


def test_collinear_features_get_the_minimum_norm_optimum():
    x = np.linspace(0, 3, 12)
    X = np.column_stack([x, 2 * x])
    y = 3 * x + 1 + np.sin(7 * x) * 0.1
    r = rw.from_data(X, y)
    assert not r.data.unique_optimum
    assert ("the least-squares optimum is not unique: features 'x0', 'x1' are collinear (one is a linear "
            "combination of the others); the minimum-norm optimum is shown") in r.data.notes
    land = rw.Landscape.for_recipe(r)
    assert land.minimum_norm
    expected = np.linalg.lstsq(_design(X), y, rcond=None)[0]
    assert np.abs(land.optimum - expected).max() < 1e-8
    run = rw.train(r)  # SGD runs; nothing crashes
    assert run.diverged_at is None


def test_a_constant_feature_is_said():
    X = np.column_stack([np.linspace(0, 1, 10), np.full(10, 3.0)])
    r = rw.from_data(X, np.arange(10.0), feature_names=["t", "room"])
    assert "feature 'room' is constant" in r.data.degenerate
    assert np.isfinite(rw.Landscape.for_recipe(r).optimum).all()


def test_own_data_holder_is_frozen():
    data = rw.from_data(*_data()).data
    assert isinstance(data, OwnData)
    with pytest.raises(AttributeError):
        data.standardize = True


def test_anscombe_quartet_has_one_line():
    for k in (1, 2, 3, 4):
        r = rw.datasets.anscombe(k)
        assert r.n_examples == 11 and r.data.feature_names == ("x",) and r.name == f"anscombe_{k}"
        w, b = rw.Landscape.for_recipe(r).optimum
        assert (round(w, 2), round(b, 1)) == (0.5, 3.0)
    assert "Anscombe" in rw.datasets.ANSCOMBE_SOURCE and "1973" in rw.datasets.ANSCOMBE_SOURCE
    with pytest.raises(rw.InvalidSetting, match="k must be one of 1, 2, 3, 4"):
        rw.datasets.anscombe(5)


def test_rows_as_trained_are_the_standardized_inputs():
    X, y = _data(n=50)
    data = rw.from_data(X, y, standardize=True).data
    order = np.random.default_rng(1).permutation(50)
    assert np.array_equal(data.rows(order), data.inputs[order])  # bit for bit: the same operations
    assert np.array_equal(data.rows(slice(3, 9)), data.inputs[3:9])
    recipe = rw.from_data(X, y, standardize=True)
    stream = rw.make_stream(recipe, 4)
    assert np.array_equal(stream.X, rw.make_stream(recipe, 4, rw.make_dataset(recipe, 4)).X)
