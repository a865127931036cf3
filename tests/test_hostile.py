"""Hostile input (issue 10): every bad recording, stream, recipe and option gets one clear error, never a crash,
a hang, a traceback or a silent pass. The hostile files are built here, in tmp_path."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile

import numpy as np
import pytest
from test_cli import _command, call

import regress_widgets as rw
from regress_widgets.engine import memory
from regress_widgets.frameworks.record import compact, shipped

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
