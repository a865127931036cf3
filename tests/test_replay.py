"""Replay: the engine re-runs recordings made by independent per-step reference loops (conftest.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.frameworks.recording import KEYS

KINDS = ("caffe2", "pytorch", "mxnet")


def _max_abs(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


# --- the reference recordings themselves are what DESIGN §1 says --------------------------------


def test_reference_recordings_have_the_tutorial_shapes(recording):
    torch_like = recording("pytorch")
    assert torch_like["batch_sizes"][:7].tolist() == [8, 8, 8, 8, 8, 8, 2]
    assert len(torch_like["batch_sizes"]) == 175
    mx = recording("mxnet")
    assert mx["batch_sizes"][250] == 2 and mx["batch_sizes"][:250].tolist() == [4] * 250
    c2 = recording("caffe2")
    assert c2["X"].shape == (130 * 64, 2)
    assert c2["lr"][:19].tolist() == [0.1] * 19 and c2["lr"][19] == pytest.approx(0.09)


# --- replay to 1e-10 in float64 -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["compiled", "vectorized"])
@pytest.mark.parametrize("kind", KINDS)
def test_replay_matches_reference_to_1e_10(recording, kind, method):
    arrays = recording(kind)
    result = rw.replay(arrays, method=method)
    assert result.ok
    assert result.tolerance == 1e-10
    for name in ("theta", "lr", "loss"):
        assert result.deviations[name] <= 1e-10, (name, result.deviations)
        assert _max_abs(getattr(result, name), arrays[name]) <= 1e-10
    # the run moved: this is not a trivial comparison of θ₀ with itself
    assert _max_abs(arrays["theta"][-1], arrays["theta0"]) > 0.01 or kind == "mxnet"
    assert _max_abs(arrays["theta"][-1], arrays["theta0"]) > 1e-3


@pytest.mark.parametrize(
    "kind, settings",
    [
        ("pytorch", {"lr": 0.03, "gamma": 0.5, "stepsize": 40}),
        ("pytorch", {"batch_size": 7}),
        ("mxnet", {"lr": 0.01, "gamma": 0.8, "stepsize": 100}),
        ("caffe2", {"lr": 0.05, "gamma": 0.5, "stepsize": 7}),
    ],
)
def test_replay_uses_the_settings_in_meta(recording, kind, settings):
    arrays = recording(kind, settings=settings)
    result = rw.replay(arrays)
    assert result.ok, result.deviations
    assert max(result.deviations.values()) <= 1e-10


def test_replay_from_a_file_and_recording_roundtrip(recording, save_recording, tmp_path):
    arrays = recording("pytorch")
    path = save_recording(arrays)
    assert rw.replay(path).ok
    assert rw.replay(str(path)).ok
    rec = rw.Recording.load(path)
    again = tmp_path / "again.npz"
    rec.save(again)
    back = rw.Recording.load(again)
    for key in KEYS[:-1]:
        np.testing.assert_array_equal(getattr(back, key), getattr(rec, key))
    assert back.meta == rec.meta
    assert rw.replay(back).ok


@pytest.mark.parametrize("kind", KINDS)
def test_float32_reference_replays_within_float32_tolerance(recording, kind):
    arrays = recording(kind, dtype=np.float32)
    result = rw.replay(arrays)
    assert result.tolerance == 1e-4
    assert result.ok, result.deviations
    # float32 rounding is visible at this scale, far above the float64 tolerance
    assert max(result.deviations.values()) > 1e-10


def test_replay_does_not_read_lr_from_the_file(recording):
    arrays = recording("caffe2")
    arrays["lr"] = arrays["lr"] * 3  # a wrong record of the rates used
    result = rw.replay(arrays)
    expected = 0.1 * 0.9 ** (np.arange(1, 131) // 20)
    np.testing.assert_allclose(result.lr, expected, rtol=0, atol=1e-15)
    assert result.deviations["theta"] <= 1e-10  # θ still reproduced: the file's lr was not used
    assert not result.ok


# --- a recording that does not match must fail ---------------------------------------------------


@pytest.mark.parametrize("key", ["theta", "loss", "lr"])
@pytest.mark.parametrize("kind", KINDS)
def test_perturbed_recording_fails(recording, kind, key):
    arrays = recording(kind)
    values = arrays[key].copy()
    index = (len(values) // 2,) + ((1,) if values.ndim == 2 else ())
    values[index] += 1e-6
    arrays[key] = values
    result = rw.replay(arrays)
    assert not result.ok
    assert result.deviations[key] == pytest.approx(1e-6, rel=1e-3)


def test_caffe2_iteration_counted_from_zero_fails(recording, references):
    """A Caffe2 replica with LearningRate read before Iter (k from 0) is not the recipe."""
    arrays = recording("caffe2")
    theta, lr, loss = references.caffe2(arrays["X"], arrays["y"], arrays["batch_sizes"], arrays["theta0"],
                                        iter_first=False)
    assert (lr[:20] == 0.1).all()  # 20 steps at the base rate instead of 19
    arrays.update(theta=theta, lr=lr, loss=loss)
    result = rw.replay(arrays)
    assert not result.ok
    assert result.deviations["lr"] == pytest.approx(0.01)
    assert result.deviations["theta"] > 1e-6


def test_plain_mse_recording_does_not_replay_as_caffe2(recording, references):
    """Caffe2's loss is 0.5·MSE: data stepped with plain MSE gradients must not match."""
    arrays = recording("caffe2")
    theta, lr, loss = references.mse(arrays["X"], arrays["y"], arrays["batch_sizes"], arrays["theta0"],
                                     lr=0.1, gamma=0.9, stepsize=20)
    arrays.update(theta=theta, loss=loss)
    result = rw.replay(arrays)
    assert not result.ok
    assert result.deviations["loss"] > 1e-3 and result.deviations["theta"] > 1e-3


def test_diverging_recording_is_reported_not_raised(recording):
    """A float32 framework past the stability limit overflows; the float64 engine blows up there too."""
    with np.errstate(all="ignore"):
        arrays = recording("pytorch", dtype=np.float32, settings={"lr": 0.75})
    result = rw.replay(arrays)
    stop = result.framework_diverged_at
    assert stop is not None and 10 < stop < 175
    assert result.engine_blew_up and result.verdict.kind == "diverging" and result.verdict.diverging_at < stop
    assert result.ok  # compared over the steps the framework kept finite
    assert np.isfinite(result.deviations["theta"])
    arrays["theta"][stop // 2, 0] *= 1 + 1e-3  # a real deviation before the framework's divergence still counts
    assert not rw.replay(arrays).ok


@pytest.mark.parametrize("step", [1, 100])
def test_framework_stopping_while_the_engine_converges_fails(recording, step):
    """Non-finite recorded values, then random θ: nothing after is comparable, and the engine did not blow up."""
    arrays = recording("pytorch")
    arrays["loss"][step - 1] = np.nan
    arrays["theta"][step:] = np.random.default_rng(0).normal(size=arrays["theta"][step:].shape)
    result = rw.replay(arrays)
    assert result.framework_diverged_at == step
    assert result.deviations["theta"] < 1e-10  # what was compared matched ...
    assert not result.engine_blew_up and not result.ok  # ... but the engine converges where the framework stopped
    assert result.summary()["ok"] is False and result.verdict.kind == "converged"


# --- recording errors name the key --------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_missing_key(recording, key):
    arrays = recording("pytorch")
    del arrays[key]
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(arrays)
    assert err.value.key == key
    assert repr(key) in str(err.value) and "missing" in str(err.value)


@pytest.mark.parametrize(
    "key, change",
    [
        ("X", lambda a: a[:, 0]),  # 1-d
        ("X", lambda a: np.concatenate([a, a[:, :1]], axis=1)),  # 2 columns for a 1-input recipe
        ("y", lambda a: a[:-1]),
        ("y", lambda a: a[:, None]),
        ("batch_sizes", lambda a: a + (np.arange(len(a)) == 3)),  # no longer sums to the rows of X
        ("batch_sizes", lambda a: a.astype(float)),
        ("batch_sizes", lambda a: np.where(np.arange(len(a)) == 0, 0, a)),
        ("theta0", lambda a: a[:1]),
        ("theta", lambda a: a[:-1]),
        ("theta", lambda a: a[:, :1]),
        ("theta", lambda a: a.ravel()),
        ("lr", lambda a: a[:-1]),
        ("lr", lambda a: -a),
        ("loss", lambda a: a[:3]),
        ("loss", lambda a: np.array(["a"] * len(a))),
    ],
)
def test_wrong_shape_or_type(recording, key, change):
    arrays = recording("pytorch")
    arrays[key] = change(arrays[key])
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(arrays)
    assert err.value.key == key
    assert repr(key) in str(err.value)


@pytest.mark.parametrize("key", ["X", "y", "theta0", "lr"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs(recording, key, bad):
    arrays = recording("mxnet")
    values = arrays[key].astype(float).copy()
    values.flat[1] = bad
    arrays[key] = values
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(arrays)
    assert err.value.key == key


@pytest.mark.parametrize(
    "meta",
    [
        "not json {",
        json.dumps([1, 2]),
        json.dumps({"framework": "x"}),
        json.dumps({"framework": "tf", "framework_version": "1", "recipe": "tensorflow", "seed": 0,
                    "dtype": "float64", "python": "3"}),
        json.dumps({"framework": "tf", "framework_version": "1", "recipe": "mxnet", "seed": -1,
                    "dtype": "float64", "python": "3"}),
        json.dumps({"framework": "tf", "framework_version": "1", "recipe": "mxnet", "seed": 0,
                    "dtype": "float16", "python": "3"}),
    ],
)
def test_bad_meta(recording, meta):
    arrays = recording("mxnet")
    arrays["meta"] = np.array(meta)
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(arrays)
    assert err.value.key == "meta"


def test_unknown_recipe_names_the_recipe(recording):
    arrays = recording("mxnet")
    meta = json.loads(arrays["meta"].item())
    meta["recipe"] = "tensorflow"
    arrays["meta"] = np.array(json.dumps(meta))
    with pytest.raises(rw.RecordingError, match="tensorflow") as err:
        rw.replay(arrays)
    assert err.value.key == "meta" and "caffe2" in str(err.value)


@pytest.mark.parametrize(
    "content", [b"", b"this is not an npz file", b"PK\x03\x04garbage-zip", b"text" * 100]
)
def test_corrupt_file(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(path)
    assert err.value.key == "file"
    assert str(path) in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(tmp_path / "nope.npz")
    assert err.value.key == "file"


def test_plain_npy_file_is_not_a_recording(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(path)
    assert err.value.key == "file"


def test_pickled_npz_is_refused(tmp_path, recording):
    arrays = recording("pytorch")
    arrays["meta"] = np.array([{"recipe": "pytorch"}], dtype=object)
    path = tmp_path / "pickled.npz"
    np.savez(path, **arrays)
    with pytest.raises(rw.RecordingError):
        rw.replay(path)
