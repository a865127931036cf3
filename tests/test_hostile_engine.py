"""Hostile input (issue 10), the engine's side and the command line: bad streams, recipes, sweeps, options and
keyword values get one clear error naming the field; the verdict is one definition everywhere. The recordings'
side is tests/test_hostile.py."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_cli import _strict_json, call

import regress_widgets as rw
from regress_widgets.engine import memory
from regress_widgets.frameworks.record import shipped
from regress_widgets.theory.verdict import DIVERGING_FACTOR

# --- streams, recipes and sweeps at the engine boundary ----------------------------------------------


def _stream(n=1250, d=1, sizes=None):
    rng = np.random.default_rng(0)
    sizes = np.resize(np.array([8] * 6 + [2]), 175) if sizes is None else sizes
    return rw.Stream(rng.normal(size=(n, d)), rng.normal(size=n), sizes)


@pytest.mark.parametrize("stream, words", [
    (_stream(sizes=np.full(175, 2**40)), ["batch_sizes", "1 to 1250"]),
    (_stream(d=3), ["X", "3 columns", "1 inputs"]),
    (_stream(n=100, sizes=np.resize(np.array([8] * 6 + [2]), 175)), ["batch_sizes", "1,250", "100 rows"]),
    (rw.Stream(np.zeros((1250, 1)), np.zeros(1000), np.resize(np.array([8] * 6 + [2]), 175)), ["y", "1000 labels"]),
    (_stream(sizes=np.where(np.arange(175) == 4, 0, np.resize(np.array([8] * 6 + [2]), 175))), ["batch_sizes"]),
    (_stream(sizes=np.full(175, 8.0)), ["batch_sizes", "integers"]),
    (rw.Stream(np.full((1250, 1), np.nan), np.zeros(1250), np.resize(np.array([8] * 6 + [2]), 175)), ["X", "NaN"]),
    (_stream(n=800, sizes=np.full(100, 8)), ["175 steps", "100 steps"]),
])
def test_bad_streams_are_refused(stream, words):
    with pytest.raises(rw.InvalidSetting) as err:
        rw.train("pytorch", stream=stream)
    assert err.value.field == "stream"
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_a_good_stream_is_used_as_given():
    stream = _stream()
    run = rw.train("pytorch", stream=stream)
    assert run.stream is stream and run.seeded_data is False and np.isfinite(run.theta).all()


@pytest.mark.parametrize("change, field", [
    ({"lr": -1.0}, "lr"), ({"batch_size": 2.5}, "batch_size"), ({"gamma": 0.0}, "gamma"), ({"steps": None}, "steps"),
])
def test_recipes_made_with_replace_are_validated(change, field):
    """A recipe cannot even be made with a bad setting, so neither train nor sweep ever sees one."""
    base = rw.RECIPES["caffe2" if "steps" in change else "pytorch"]
    with pytest.raises(rw.InvalidSetting) as err:
        dataclasses.replace(base, **change)
    assert err.value.field == field


@pytest.mark.parametrize("grid, field, words", [
    ({"lr": []}, "lr", ["non-empty"]),
    ({"lr": [0.01, None]}, "lr", ["None"]),
    ({"noise": None}, "noise", ["None"]),
    ({"lr": {0.01, 0.02}}, "lr", ["set has no order"]),
    ({"lr": {"a": 1}}, "lr", ["dict has no order"]),
    ({"lr": np.ones((2, 2))}, "lr", ["1-d"]),
    ({"dampening": [0.9]}, "dampening", ["one of seed"]),
    ({"momentum": [0.5, 1.0]}, "momentum", ["[0, 1)"]),
])
def test_bad_sweep_axes(grid, field, words):
    with pytest.raises(rw.InvalidSetting) as err:
        rw.sweep("pytorch", steps=5, **grid)
    assert err.value.field == field
    for word in words:
        assert word in str(err.value)


def test_sweep_takes_iterators_and_0d_arrays_as_lists():
    listed = rw.sweep("pytorch", steps=20, lr=[0.01, 0.02], noise=0.5)
    generated = rw.sweep("pytorch", steps=20, lr=(x for x in (0.01, 0.02)), noise=np.array(0.5))
    assert generated.shape == listed.shape == (2,) and generated.axes == ("lr",)
    np.testing.assert_array_equal(generated.theta_final, listed.theta_final)


def test_memory_is_estimated_before_allocating(capsys, monkeypatch):
    with pytest.raises(memory.TooBig) as err:
        rw.train("caffe2", steps=2_000_000, batch_size=100_000)
    assert "steps × batch_size = 2,000,000 × 100,000" in str(err.value) and "limit" in str(err.value)
    code, out, err_text = call(["run", "caffe2", "--steps", "2000000", "--batch-size", "100000"], capsys)
    assert code == 2 and out == "" and err_text.count("\n") == 1 and "TiB" in err_text and "--steps" in err_text
    with pytest.raises(memory.TooBig, match="runs"):
        rw.sweep("pytorch", lr=np.linspace(0.001, 0.01, 10**5), noise=np.linspace(0, 1, 10**5))
    monkeypatch.setattr(memory, "MEMORY_FRACTION", 1e-9)
    with pytest.raises(memory.TooBig, match="more than the limit"):
        rw.train("pytorch")


# --- the command line: one line, exit 2, checked before the work ------------------------------------


@pytest.mark.parametrize("argv, words", [
    (["run", "pytorch", "--png", "x.xyz"], ["--png", ".png"]),
    (["run", "pytorch", "--png", ""], ["--png", ".png"]),
    (["run", "pytorch", "--png", "panels"], ["--png", ".png"]),
    (["run", "pytorch", "--png", "/nonexistent/dir/p.png"], ["--png", "/nonexistent/dir"]),
    (["record", "pytorch", "--out", "/nonexistent/dir/r.npz"], ["--out", "/nonexistent/dir"]),
    (["record", "pytorch", "--out", "r"], ["--out", ".npz"]),
    (["record", "pytorch", "--out", "r.npz", "--python", "/nonexistent/python"], ["--python"]),
    (["record", "pytorch", "--out", "r.npz", "--lr", "-1"], ["--lr", "(0, 10]"]),
])
def test_bad_paths_are_one_line_before_any_work(capsys, argv, words):
    code, out, err = call(argv, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)


# --- the verdict: one definition, in runs, the CLI text and JSON, and the Lab ------------------------


@pytest.mark.parametrize("name, settings, kind", [
    ("pytorch", {"lr": 0.75}, "diverging"),  # 2× the stability limit: θ ≈ −3.5e68, still finite
    ("caffe2", {"lr": 4.0}, "diverging"),
    ("pytorch", {"lr": 9.0}, "diverged"),
    ("pytorch", {}, "converged"),
    ("mxnet", {"epochs": 1, "lr": 1e-5}, "still moving"),
])
def test_one_verdict_in_runs_cli_and_json(capsys, name, settings, kind):
    run = rw.train(name, **settings)
    assert run.status.kind == kind
    if kind in ("diverging", "diverged"):
        assert isinstance(run.status.diverging_at, int) and 1 <= run.status.diverging_at <= run.steps
    else:
        assert run.status.diverging_at is None
    argv = ["run", name, *(a for k, v in settings.items() for a in (f"--{k.replace('_', '-')}", str(v)))]
    code, out, _ = call([*argv, "--json"], capsys)
    s = _strict_json(out)
    assert code == 0 and s["status"] == kind and s["diverging_at"] == run.status.diverging_at
    assert s["status_text"] == run.status.text and s["diverging_factor"] == DIVERGING_FACTOR
    code, out, _ = call(argv, capsys)
    assert run.status.text in out
    assert ("DIVERGING" in out) == (kind == "diverging") and ("DIVERGED" in out) == (kind == "diverged")
    assert max(len(word) for word in out.split()) < 40  # no 70-digit numbers


@pytest.mark.parametrize("name, settings", [
    ("pytorch", {"lr": 0.75}), ("pytorch", {"lr": 0.36}), ("caffe2", {"lr": 4.0}), ("pytorch", {"lr": 9.0}),
    ("pytorch", {}), ("mxnet", {"epochs": 1, "lr": 1e-5}), ("caffe2", {"steps": 5}),
])
def test_the_verdict_is_the_labs(name, settings):
    """The Lab's status and the domain verdict agree, word for word."""
    from regress_widgets.lab import Lab

    run = rw.train(name, **settings)
    lab = Lab(name, display="none", **settings)
    assert (run.status.kind, run.status.text) == (lab.status.kind, lab.status.text)
    assert run.status.kind in lab.readout.value


def test_a_finite_blow_up_warns_nothing(no_warnings, capsys):
    run = rw.train("pytorch", lr=0.75)
    assert run.diverged_at is None and abs(run.theta[-1]).max() > 1e60
    assert run.status.kind == "diverging"
    code, out, err = call(["run", "pytorch", "--lr", "0.75", "--json"], capsys)
    assert code == 0 and err == ""


def test_replay_plot_draws_both_paths(recording):
    import matplotlib

    matplotlib.use("Agg")
    result = rw.replay(recording("caffe2"))
    fig = result.plot()
    left, right = fig.axes
    np.testing.assert_array_equal(left.lines[0].get_xydata(), result.recording.theta[:, :2])
    np.testing.assert_array_equal(left.lines[1].get_xydata(), result.theta[:, :2])
    assert right.get_yscale() == "log" and right.lines[-1].get_ydata()[0] == result.tolerance
    gap = right.lines[0].get_ydata()
    assert gap.max() < 1e-9 and len(gap) == len(result.theta)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_cli_never_prints_a_traceback(capsys, recording, save_recording):
    """A sample of the issue's hostile files through the CLI: exit 2 and one line each."""
    samples = []
    for key, value in (("X", np.zeros((3, 3, 3))), ("lr", np.array([np.inf] * 175)),
                       ("batch_sizes", np.array([], dtype=np.int64))):
        arrays = recording("pytorch")
        arrays[key] = value
        samples.append(save_recording(arrays, f"{key}.npz"))
    for path in samples:
        code, out, err = call(["replay", str(path), "--json"], capsys)
        assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("call_it, field", [
    (lambda: rw.train("pytorch", theta0=["a", "b"]), "theta0"),
    (lambda: rw.train("pytorch", theta0="12"), "theta0"),
    (lambda: rw.train("pytorch", theta0=[1.0, np.inf]), "theta0"),
    (lambda: rw.replay(shipped("pytorch"), tolerance=-1), "tolerance"),
    (lambda: rw.replay(shipped("pytorch"), tolerance="x"), "tolerance"),
    (lambda: rw.replay(shipped("pytorch"), method="fast"), "method"),
    (lambda: rw.train("pytorch", dtype=["float64"]), "dtype"),
])
def test_bad_keyword_values_name_the_keyword(call_it, field):
    with pytest.raises(rw.InvalidSetting) as err:
        call_it()
    assert err.value.field == field


def test_unusual_dicts_and_objects(recording):
    with pytest.raises(rw.RecordingError):
        rw.replay(42)
    arrays = recording("pytorch")
    arrays["theta"] = [[1, 2], [3]]  # ragged
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(arrays)
    assert err.value.key == "theta"

