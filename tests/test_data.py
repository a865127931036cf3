"""Seeded data: fixed datasets, the order SGD visits them, streaming batches; determinism."""

from __future__ import annotations

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.recipes.data import visiting_order

CAFFE2, MXNET, PYTORCH = (rw.RECIPES[name] for name in ("caffe2", "mxnet", "pytorch"))


def _noise(recipe, X, y):
    return y - X @ np.asarray(recipe.w_true) - recipe.b_true


@pytest.mark.parametrize("name", ["caffe2", "mxnet", "pytorch"])
def test_same_seed_same_arrays(name):
    a, b = rw.make_stream(name, 11), rw.make_stream(name, 11)
    for key in ("X", "y", "batch_sizes"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    np.testing.assert_array_equal(rw.initial_theta(name, 11), rw.initial_theta(name, 11))
    r1, r2 = rw.train(name, seed=11), rw.train(name, seed=11)
    for key in ("theta", "loss", "lr"):
        np.testing.assert_array_equal(getattr(r1, key), getattr(r2, key))


@pytest.mark.parametrize("name", ["caffe2", "mxnet", "pytorch"])
def test_different_seeds_differ(name):
    a, b = rw.make_stream(name, 1), rw.make_stream(name, 2)
    assert not np.array_equal(a.X, b.X)
    assert not np.array_equal(a.y, b.y)
    r1, r2 = rw.train(name, seed=1), rw.train(name, seed=2)
    assert not np.array_equal(r1.theta, r2.theta)
    if name != "pytorch":  # PyTorch starts at k = m = 0 whatever the seed
        assert not np.array_equal(r1.theta[0], r2.theta[0])


def test_dataset_shapes_and_labels():
    for recipe in (MXNET, PYTORCH):
        data = rw.make_dataset(recipe, 0)
        assert data.X.shape == (recipe.n_examples, recipe.dim) and data.y.shape == (recipe.n_examples,)
        assert data.X.dtype == np.float64
    data = rw.make_dataset("pytorch", 0)
    assert data.X.min() >= -3 and data.X.max() <= 3
    with pytest.raises(ValueError, match="fresh batch"):
        rw.make_dataset("caffe2", 0)


def test_distributions_are_the_tutorials():
    """Moments of the inputs and noise over many examples (a loose statistical check)."""
    big = MXNET  # 10,000 examples, X ~ N(0, 1), noise 0.1·N(0, 1)
    data = rw.make_dataset(big, 5)
    assert abs(data.X.mean()) < 0.03 and abs(data.X.std() - 1) < 0.03
    eps = _noise(big, data.X, data.y)
    assert abs(eps.std() - 0.1) < 0.005
    stream = rw.make_stream(CAFFE2.with_settings(steps=200), 5)  # 12,800 examples of N(0, 1), noise 1
    assert abs(stream.X.std() - 1) < 0.03 and abs(_noise(CAFFE2, stream.X, stream.y).std() - 1) < 0.03
    x = rw.make_dataset(PYTORCH.with_settings(), 5).X  # U[−3, 3]
    assert x.shape == (50, 1)


def test_initial_parameters():
    thetas = np.array([rw.initial_theta("caffe2", s) for s in range(200)])
    assert (np.abs(thetas[:, :2]) <= 1).all() and (thetas[:, 2] == 0).all()  # W ~ U[−1, 1], B = 0
    assert thetas[:, :2].std() > 0.4
    assert (np.array([rw.initial_theta("pytorch", s) for s in range(5)]) == 0).all()  # k = m = 0
    mx = np.array([rw.initial_theta("mxnet", s) for s in range(500)])  # all N(0, 1)
    assert mx.shape == (500, 3) and abs(mx.std() - 1) < 0.1 and abs(mx.mean()) < 0.1


@pytest.mark.parametrize("recipe", [PYTORCH, MXNET.with_settings(epochs=3)])
def test_every_epoch_visits_every_example_once(recipe):
    data = rw.make_dataset(recipe, 4)
    stream = rw.make_stream(recipe, 4)
    n = recipe.n_examples
    assert stream.X.shape == (recipe.epochs * n, recipe.dim)
    epochs = stream.X.reshape(recipe.epochs, n, recipe.dim)
    for e in range(recipe.epochs):
        np.testing.assert_array_equal(np.sort(epochs[e], axis=0), np.sort(data.X, axis=0))
    # a fresh permutation every epoch
    assert not np.array_equal(epochs[0], epochs[1])
    # labels travel with their inputs
    order = visiting_order(recipe, 4, recipe.epochs)
    np.testing.assert_array_equal(stream.y, data.y[order])


def test_stream_offsets():
    stream = rw.make_stream("pytorch", 0)
    assert stream.steps == 175
    assert stream.offsets[:8].tolist() == [0, 8, 16, 24, 32, 40, 48, 50]
    assert stream.offsets[-1] == len(stream.X) == 1250


def test_noise_slider_rescales_the_same_draw():
    for name in ("pytorch", "mxnet", "caffe2"):
        base = rw.RECIPES[name]
        a = rw.make_stream(base.with_settings(noise=0.5), 3)
        b = rw.make_stream(base.with_settings(noise=2.0), 3)
        c = rw.make_stream(base.with_settings(noise=0.0), 3)
        np.testing.assert_array_equal(a.X, b.X)
        np.testing.assert_array_equal(a.X, c.X)
        np.testing.assert_allclose(_noise(base, b.X, b.y), 4 * _noise(base, a.X, a.y), atol=1e-12)
        np.testing.assert_allclose(_noise(base, c.X, c.y), 0, atol=1e-12)
        # and the initial parameters do not move either
        np.testing.assert_array_equal(rw.initial_theta(base.with_settings(noise=2.0), 3), rw.initial_theta(base, 3))


def test_batch_size_change_keeps_the_visiting_order():
    a = rw.make_stream(PYTORCH, 9)
    b = rw.make_stream(PYTORCH.with_settings(batch_size=5), 9)
    c = rw.make_stream(PYTORCH.with_settings(batch_size=50), 9)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, c.y)
    assert b.batch_sizes.tolist() == [5] * 250 and c.batch_sizes.tolist() == [50] * 25
    # streaming: the same examples, cut into other batches
    s64 = rw.make_stream(CAFFE2, 9)
    s32 = rw.make_stream(CAFFE2.with_settings(batch_size=32, steps=200), 9)
    np.testing.assert_array_equal(s64.X, s32.X)
    np.testing.assert_array_equal(s64.y, s32.y)
    s16 = rw.make_stream(CAFFE2.with_settings(batch_size=16), 9)  # fewer examples: a prefix
    np.testing.assert_array_equal(s16.X, s64.X[:1600])


def test_more_epochs_extend_the_same_order():
    short = rw.make_stream(PYTORCH.with_settings(epochs=3), 2)
    long = rw.make_stream(PYTORCH, 2)
    np.testing.assert_array_equal(short.X, long.X[:150])
    run_short = rw.train("pytorch", seed=2, epochs=3)
    run_long = rw.train("pytorch", seed=2)
    np.testing.assert_allclose(run_short.theta, run_long.theta[:22], rtol=0, atol=1e-14)


def test_steps_that_end_mid_epoch():
    stream = rw.make_stream(PYTORCH.with_settings(steps=10), 0)
    assert stream.batch_sizes.tolist() == [8] * 6 + [2] + [8] * 3
    assert len(stream.X) == 74
    np.testing.assert_array_equal(stream.X, rw.make_stream(PYTORCH, 0).X[:74])


def test_settings_that_do_not_touch_data_keep_it():
    a = rw.make_stream(MXNET.with_settings(epochs=1), 0)
    b = rw.make_stream(MXNET.with_settings(epochs=1, lr=0.01, gamma=0.5, stepsize=3), 0)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
