"""Hostile input (issue 10): every bad recording, stream, recipe and option gets one clear error, never a crash,
a hang, a traceback or a silent pass. The hostile files are built here, in tmp_path."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import zipfile

import numpy as np
import pytest
from test_cli import _command, _strict_json, call

import regress_widgets as rw
from regress_widgets.engine import memory
from regress_widgets.frameworks.record import compact, shipped
from regress_widgets.theory.verdict import DIVERGING_FACTOR

# --- recordings: sizes, overflow, headers, inflation, special files --------------------------------


def _wrapping_sizes(sizes):
    """int64 batch sizes whose sum wraps around to the same total (2·(2⁶³ − 1) + 194 ≡ 192 + 0 mod 2⁶⁴)."""
    bad = sizes.astype(np.int64).copy()
    bad[1] = bad[2] = 2**63 - 1
    bad[3] = 194 + (sizes[1:4].sum() - 192)
    assert bad.sum() == sizes.sum()  # the overflow the issue describes: a plain sum check passes
    return bad


def test_overflowing_batch_sizes_are_refused_not_a_segfault(recording, save_recording):
    arrays = recording("caffe2")
    arrays["batch_sizes"] = _wrapping_sizes(arrays["batch_sizes"])
    path = save_recording(arrays)
    proc = subprocess.run([*_command(), "replay", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr  # 139 was the segfault
    assert proc.stderr.count("\n") == 1 and "batch_sizes" in proc.stderr
    for method in ("compiled", "vectorized"):
        with pytest.raises(rw.RecordingError) as err:
            rw.replay(path, method=method)
        assert err.value.key == "batch_sizes"
    arrays["batch_sizes"] = np.full(130, 2**63 + 64, dtype=np.uint64)  # unsigned, past int64
    with pytest.raises(rw.RecordingError, match="batch_sizes"):
        rw.replay(arrays)


def test_overflowing_batch_sizes_in_a_stream(recording):
    arrays = recording("caffe2")
    stream = rw.Stream(arrays["X"], arrays["y"], _wrapping_sizes(arrays["batch_sizes"]))
    with pytest.raises(rw.InvalidSetting) as err:
        rw.train("caffe2", steps=130, stream=stream, method="compiled")
    assert err.value.field == "stream" and "batch_sizes" in str(err.value)


def _npz_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _npy(a: np.ndarray, shape=None) -> bytes:
    """``a`` as .npy bytes, with a header that may claim another shape."""
    buf = io.BytesIO()
    header = {"descr": np.lib.format.dtype_to_descr(a.dtype), "fortran_order": False,
              "shape": a.shape if shape is None else shape}
    np.lib.format.write_array_header_1_0(buf, header)
    buf.write(np.ascontiguousarray(a).tobytes())
    return buf.getvalue()


def test_header_claiming_a_huge_shape_is_refused_before_allocating(recording, tmp_path):
    arrays = recording("pytorch")
    members = {f"{k}.npy": _npy(np.asarray(v)) for k, v in arrays.items()}
    members["X.npy"] = _npy(arrays["X"], shape=(10**11,))  # 800 GB claimed by a small file
    path = tmp_path / "huge.npz"
    path.write_bytes(_npz_bytes(members))
    assert path.stat().st_size < 30_000
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(path)
    assert err.value.key == "X" and "header claims shape (100000000000,)" in str(err.value)


def test_zip_bomb_is_refused(recording, tmp_path):
    arrays = recording("pytorch")
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for key, value in arrays.items():
            if key != "X":
                archive.writestr(f"{key}.npy", _npy(np.asarray(value)))
        rows = 12 * 2**20 // 8 * 8  # 96 MiB of zeros: X claims, and holds, (rows, 1) float64
        with archive.open("X.npy", "w", force_zip64=True) as member:
            member.write(_npy(np.zeros((0, 1)), shape=(rows, 1)))
            for _ in range(8 * rows // 2**20):
                member.write(bytes(2**20))
    assert path.stat().st_size < 2 * 2**20
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(path)
    assert err.value.key == "file" and "inflates" in str(err.value) and "zip bomb" in str(err.value)


def test_recording_over_the_memory_limit_names_the_limit(recording, save_recording, monkeypatch):
    path = save_recording(recording("mxnet"))
    monkeypatch.setattr(memory, "MEMORY_FRACTION", 1e-9)
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(path)
    assert err.value.key == "file" and "more than the limit" in str(err.value)


def test_unexpected_members_and_pickles_are_refused(recording, tmp_path):
    arrays = recording("pytorch")
    members = {f"{k}.npy": _npy(np.asarray(v)) for k, v in arrays.items()}
    path = tmp_path / "extra.npz"
    path.write_bytes(_npz_bytes({**members, "evil.npy": _npy(np.zeros(3))}))
    with pytest.raises(rw.RecordingError, match="unexpected member 'evil.npy'"):
        rw.replay(path)
    members["theta.npy"] = _npy(np.zeros(3, dtype=object).astype("f8")).replace(b"<f8", b"|O", 1)
    path.write_bytes(_npz_bytes(members))
    with pytest.raises(rw.RecordingError, match="pickled|readable"):
        rw.replay(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    proc = subprocess.run([*_command(), "replay", str(fifo)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "not a regular file" in proc.stderr and proc.stderr.count("\n") == 1
    with pytest.raises(rw.RecordingError, match="not a regular file"):
        rw.replay(tmp_path)  # a folder neither


# --- meta: types, nesting, NaN, settings -------------------------------------------------------------


def _with_meta(arrays, change):
    meta = json.loads(arrays["meta"].item())
    change(meta)
    arrays["meta"] = np.array(json.dumps(meta))
    return arrays


@pytest.mark.parametrize("change, words", [
    (lambda m: m.update(dtype=["float32"]), ["dtype"]),
    (lambda m: m.update(settings=[1, 2]), ["settings"]),
    (lambda m: m.update(settings="lr=1"), ["settings"]),
    (lambda m: m.update(settings={"lr": "fast"}), ["settings", "lr"]),
    (lambda m: m.update(settings={"dampening": 0.9}), ["dampening", "not a setting"]),
        (lambda m: m.update(settings={"optimizer": 1}), ["settings", "optimizer", "sgd, nesterov, adam"]),
        (lambda m: m.update(settings={"momentum": "high"}), ["settings", "momentum"]),
        (lambda m: m.update(settings={"optimizer": "nesterov"}), ["settings", "momentum", "(0, 1)"]),
    (lambda m: m.update(framework=3), ["framework"]),
    (lambda m: m.update(seed=1.5), ["seed"]),
    (lambda m: m.update(settings={"lr": -1}), ["settings", "lr", "(0, 10]"]),
    (lambda m: m.update(settings={"batch_size": 100}), ["settings", "batch_size"]),
    (lambda m: m.update(settings={"steps": 3}), ["batch_sizes", "steps"]),
    (lambda m: m.update(settings={"batch_size": 7}), ["batch_sizes", "batch_size 7"]),
])
def test_bad_meta_is_one_line_naming_meta_not_an_option(capsys, recording, save_recording, change, words):
    path = save_recording(_with_meta(recording("pytorch"), change))
    with pytest.raises(rw.RecordingError):
        rw.replay(path)
    code, out, err = call(["replay", str(path)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--" not in err.split("error:", 1)[1]  # replay has no --lr, --batch-size or --steps
    for word in words:
        assert word in err, (word, err)


@pytest.mark.parametrize("raw", [
    '{"a": ' * 20_000 + "1" + "}" * 20_000,  # RecursionError in json
    "[" * 40_000 + "]" * 40_000,
    "x" * 200_000,  # too long to be meta
])
def test_deep_or_long_meta(capsys, recording, save_recording, raw):
    arrays = recording("pytorch")
    arrays["meta"] = np.array(raw)
    code, out, err = call(["replay", str(save_recording(arrays))], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "meta" in err


def test_meta_with_nan_is_refused_and_json_stays_valid(capsys, recording, save_recording):
    arrays = recording("pytorch")
    arrays["meta"] = np.array(arrays["meta"].item().replace('"seed": 7', '"seed": 7, "seconds": NaN'))
    assert "NaN" in arrays["meta"].item()
    code, out, err = call(["replay", str(save_recording(arrays)), "--json"], capsys)
    assert code == 2 and out == "" and "NaN" in err and err.count("\n") == 1


@pytest.mark.parametrize("meta", [np.array(["a", "b"]), np.array(3), np.array(b"{}")])
def test_meta_of_the_wrong_array_kind(recording, meta):
    arrays = recording("pytorch")
    arrays["meta"] = meta
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(arrays)
    assert err.value.key == "meta"


def test_unknown_key_in_a_dict_is_refused(recording):
    arrays = recording("pytorch")
    arrays["momentum_buffer"] = np.zeros(3)
    with pytest.raises(rw.RecordingError) as err:
        rw.replay(arrays)
    assert err.value.key == "momentum_buffer"


# --- one comparison: record and replay agree ---------------------------------------------------------


def test_record_and_replay_compare_the_same_way(recording, tmp_path):
    """record replays the compact (float32) Recording in memory; replay reads the file: same deviations."""
    rec = compact(rw.Recording.load(recording("caffe2", dtype=np.float32)))
    assert rec.X.dtype == np.float32
    path = tmp_path / "r.npz"
    rec.save(path)
    in_memory, from_file = rw.replay(rec), rw.replay(path)
    assert in_memory.deviations == from_file.deviations and in_memory.ok and from_file.ok
    assert in_memory.tolerance == from_file.tolerance == rec.tolerance == rw.frameworks.recording.TOLERANCE["float32"]
    assert in_memory.theta.dtype == np.float64 and 0 < in_memory.deviations["theta"] < 1e-4


def test_deviation_and_within():
    from regress_widgets.frameworks.recording import deviation, finite_rows, within

    recorded = np.array([[1.0, 2.0], [3.0, 4.0], [np.nan, 5.0], [9.0, 9.0]])
    engine = recorded + 1e-6
    assert finite_rows(recorded) == 2
    assert deviation(engine, recorded) == pytest.approx(1e-6)  # the NaN row and after: not compared
    assert within(engine, recorded, 1.01e-6) and not within(engine, recorded, 1e-7)
    engine[1, 0] = np.nan  # the engine stopped where the framework did not
    assert np.isnan(deviation(engine, recorded)) and not within(engine, recorded, 1.0)
    assert deviation(engine, recorded, rows=1) == pytest.approx(1e-6)


def test_recipe_from_a_recording_is_the_real_runs(recording):
    """Recording.recipe keeps the run length as meta says it (epochs), and the tutorial's other settings."""
    rec = rw.Recording.load(shipped("pytorch"))
    assert rec.recipe.epochs == 25 and rec.recipe.total_steps == len(rec.batch_sizes) == 175
    assert rec.recipe.settings == {k: v for k, v in rec.meta["settings"].items()}
    from regress_widgets.lab.controls.real_run import real_run

    for name in ("caffe2", "mxnet", "pytorch"):  # the Lab's real run is the recording's recipe
        assert rw.Recording.load(shipped(name)).recipe == real_run(name).recipe
    bare = rw.Recording.load(recording("mxnet"))  # no settings: the recording's own steps and batch size
    assert bare.recipe.total_steps == 502 and bare.recipe.batch_size == 4 and bare.recipe.lr == 1e-4


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

