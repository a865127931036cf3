"""The regress-widgets command (DESIGN §2): run, replay, bad input; and a light import."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.cli import commands as cli

JSON_KEYS = {"recipe", "seed", "steps", "lr", "gamma", "stepsize", "batch_size", "noise", "w", "b", "w_true",
             "b_true", "loss_first", "loss_final", "epoch_loss", "diverged_at", "seconds"}


def _command():
    exe = shutil.which("regress-widgets", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "regress_widgets.cli"]


def _strict_json(text):
    """Parse JSON that must not hold NaN or Infinity (which are not JSON)."""
    def refuse(name):
        raise ValueError(f"non-JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def call(argv, capsys):
    """cli.main in this process: (exit code, stdout, stderr)."""
    try:
        code = cli.main(argv)
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


# --- run ---------------------------------------------------------------------------------------


def test_run_json_in_a_subprocess():
    proc = subprocess.run([*_command(), "run", "pytorch", "--seed", "3", "--lr", "0.02", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    summary = _strict_json(proc.stdout)  # stdout is ONE JSON object
    assert JSON_KEYS <= set(summary)
    run = rw.train("pytorch", seed=3, lr=0.02)
    assert summary["recipe"] == "pytorch" and summary["seed"] == 3 and summary["steps"] == 175
    assert (summary["lr"], summary["gamma"], summary["stepsize"], summary["batch_size"], summary["noise"]) == (
        0.02, 1.0, 7, 8, 0.5)
    assert summary["w"] == pytest.approx(run.w.tolist(), abs=1e-12)
    assert summary["b"] == pytest.approx(run.b, abs=1e-12)
    assert (summary["w_true"], summary["b_true"]) == ([3.0], 5.0)
    assert summary["loss_first"] == pytest.approx(run.loss[0])
    assert summary["loss_final"] == pytest.approx(run.loss[-1])
    assert summary["epoch_loss"] == pytest.approx(run.epoch_loss.tolist())
    assert summary["diverged_at"] is None and summary["seconds"] > 0


@pytest.mark.parametrize("name, truth", [("caffe2", ([2.0, 1.5], 0.5)), ("mxnet", ([2.0, -3.4], 4.2))])
def test_run_json_every_recipe(capsys, name, truth):
    code, out, err = call(["run", name, "--json", "--seed", "1"], capsys)
    assert code == 0 and err == ""
    summary = _strict_json(out)
    assert JSON_KEYS <= set(summary)
    assert (summary["w_true"], summary["b_true"]) == truth
    assert summary["steps"] == rw.RECIPES[name].total_steps
    assert len(summary["w"]) == 2
    assert np.allclose([*summary["w"], summary["b"]], rw.RECIPES[name].theta_true, atol=0.2)
    if name == "caffe2":
        assert summary["epoch_loss"] == []
    else:
        assert len(summary["epoch_loss"]) == 10


def test_run_overrides_reach_the_engine(capsys):
    argv = ["run", "mxnet", "--seed", "2", "--lr", "0.001", "--gamma", "0.5", "--stepsize", "100",
            "--batch-size", "16", "--noise", "0.3", "--epochs", "2", "--json"]
    code, out, _ = call(argv, capsys)
    assert code == 0
    s = _strict_json(out)
    assert (s["lr"], s["gamma"], s["stepsize"], s["batch_size"], s["noise"], s["steps"]) == (
        0.001, 0.5, 100, 16, 0.3, 1250)
    run = rw.train("mxnet", seed=2, lr=0.001, gamma=0.5, stepsize=100, batch_size=16, noise=0.3, epochs=2)
    assert s["w"] == pytest.approx(run.w.tolist(), abs=1e-12)
    code, out, _ = call(["run", "caffe2", "--steps", "30", "--json", "--dtype", "float32"], capsys)
    assert code == 0 and _strict_json(out)["steps"] == 30


def test_run_text(capsys):
    code, out, err = call(["run", "pytorch"], capsys)
    assert code == 0 and err == ""
    assert out.startswith("pytorch: 175 steps, lr=0.01 gamma=1 stepsize=7 batch_size=8 noise=0.5 seed=0")
    for label in ("final θ", "ground truth", "least-squares optimum", "loss first", "epoch losses"):
        assert label in out
    assert "[3.0000, 5.0000]" in out


def test_diverging_run(capsys):
    code, out, err = call(["run", "pytorch", "--lr", "9", "--json"], capsys)
    assert code == 0
    s = _strict_json(out)  # NaN becomes null, the output stays valid JSON
    assert isinstance(s["diverged_at"], int) and s["w"] == [None] and s["b"] is None
    code, out, err = call(["run", "pytorch", "--lr", "9"], capsys)
    assert code == 0 and "DIVERGED at step" in out and "lr_max" in out


# --- bad input: one line on stderr, exit 2 ---------------------------------------------------------


@pytest.mark.parametrize(
    "argv, words",
    [
        (["run", "mxnet", "--lr", "-1"], ["--lr", "(0, 10]"]),
        (["run", "mxnet", "--lr", "nan"], ["--lr", "(0, 10]"]),
        (["run", "mxnet", "--lr", "abc"], ["--lr"]),
        (["run", "mxnet", "--gamma", "1.5"], ["--gamma", "(0, 1]"]),
        (["run", "mxnet", "--stepsize", "0"], ["--stepsize", "[1, "]),
        (["run", "mxnet", "--noise", "-2"], ["--noise", "[0, 100]"]),
        (["run", "pytorch", "--batch-size", "51"], ["--batch-size", "[1, 50]"]),
        (["run", "pytorch", "--steps", "0"], ["--steps", "[1, "]),
        (["run", "pytorch", "--epochs", "0"], ["--epochs", "[1, 10000]"]),
        (["run", "pytorch", "--steps", "3", "--epochs", "2"], ["--epochs", "--steps"]),
        (["run", "caffe2", "--epochs", "2"], ["--epochs", "steps"]),
        (["run", "tensorflow"], ["recipe", "caffe2, mxnet, pytorch"]),
        (["run", "pytorch", "--seed", "-1"], ["--seed"]),
        (["run", "pytorch", "--backend", "tpu"], ["--backend", "numpy"]),
        (["run", "pytorch", "--dtype", "float16"], ["--dtype", "float64"]),
        (["run", "pytorch", "--momentum", "1.5"], ["--momentum", "[0, 1)"]),
        (["run", "pytorch", "--dampening", "0.9"], ["--dampening"]),
        (["fly"], ["fly"]),
        ([], ["command"]),
        (["replay"], ["file"]),
    ],
)
def test_bad_input_is_one_stderr_line_and_exit_2(capsys, argv, words):
    code, out, err = call(argv, capsys)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)


def test_bad_input_in_a_subprocess():
    proc = subprocess.run([*_command(), "run", "pytorch", "--batch-size", "99"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "--batch-size" in proc.stderr and "[1, 50]" in proc.stderr


# --- replay --------------------------------------------------------------------------------------


def test_replay_exit_codes_in_a_subprocess(recording, save_recording):
    good = save_recording(recording("caffe2"), "good.npz")
    arrays = recording("caffe2")
    arrays["theta"] = arrays["theta"] + 1e-6
    bad = save_recording(arrays, "bad.npz")
    proc = subprocess.run([*_command(), "replay", str(good)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "matches" in proc.stdout and "NOT" not in proc.stdout
    proc = subprocess.run([*_command(), "replay", str(bad), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    summary = _strict_json(proc.stdout)
    assert summary["ok"] is False and summary["max_abs_dtheta"] == pytest.approx(1e-6, rel=1e-3)


@pytest.mark.parametrize("kind", ["caffe2", "mxnet", "pytorch"])
def test_replay_json(capsys, recording, save_recording, kind):
    path = save_recording(recording(kind))
    code, out, err = call(["replay", str(path), "--json"], capsys)
    assert code == 0 and err == ""
    s = _strict_json(out)
    assert s["ok"] is True and s["recipe"] == kind and s["framework"] == f"reference-{kind}"
    assert max(s["max_abs_dtheta"], s["max_abs_dlr"], s["max_abs_dloss"]) <= 1e-10
    assert s["tolerance"] == 1e-10 and s["steps"] == len(recording(kind)["lr"])


def test_replay_text_when_it_does_not_match(capsys, recording, save_recording):
    arrays = recording("pytorch")
    arrays["loss"] = arrays["loss"] * 1.01
    code, out, _ = call(["replay", str(save_recording(arrays))], capsys)
    assert code == 1 and "does NOT match" in out


def test_replay_of_a_diverged_recording_prints_valid_json(capsys, recording, save_recording):
    with np.errstate(all="ignore"):  # a float32 framework overflows long before the float64 engine
        arrays = recording("pytorch", dtype=np.float32, settings={"lr": 0.75})
    code, out, _ = call(["replay", str(save_recording(arrays)), "--json"], capsys)
    summary = _strict_json(out)
    stop = summary["framework_diverged_at"]
    assert isinstance(stop, int) and summary["engine_blew_up"] and summary["status"] == "diverging"
    assert code == 0 and summary["ok"]  # compared over the steps the framework kept finite
    arrays["theta"][stop // 2] *= 1.01
    code, out, _ = call(["replay", str(save_recording(arrays)), "--json"], capsys)
    assert code == 1 and _strict_json(out)["max_abs_dtheta"] > 0
    code, out, _ = call(["replay", str(save_recording(arrays))], capsys)
    assert code == 1 and f"stopped producing finite numbers at step {stop}" in out


def test_replay_of_a_recording_cut_off_while_converging_fails(capsys, recording, save_recording):
    arrays = recording("pytorch")
    arrays["loss"][0] = np.nan  # non-finite at step 1, random θ after
    arrays["theta"][1:] = np.random.default_rng(1).normal(size=arrays["theta"][1:].shape)
    code, out, _ = call(["replay", str(save_recording(arrays)), "--json"], capsys)
    s = _strict_json(out)
    assert code == 1 and s["ok"] is False and s["framework_diverged_at"] == 1 and s["engine_blew_up"] is False
    code, out, _ = call(["replay", str(save_recording(arrays))], capsys)
    assert code == 1 and "NOT blown up" in out and "does NOT match" in out


@pytest.mark.parametrize("problem", ["missing", "corrupt", "no-key", "nan"])
def test_replay_bad_file_is_one_line_exit_2(capsys, tmp_path, recording, save_recording, problem):
    if problem == "missing":
        path, word = tmp_path / "nope.npz", "file"
    elif problem == "corrupt":
        path, word = tmp_path / "corrupt.npz", "file"
        path.write_bytes(b"PK\x03\x04 not really a zip")
    elif problem == "no-key":
        arrays = recording("mxnet")
        del arrays["theta0"]
        path, word = save_recording(arrays), "theta0"
    else:
        arrays = recording("mxnet")
        arrays["y"][5] = np.nan
        path, word = save_recording(arrays), "'y'"
    code, out, err = call(["replay", str(path)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and word in err


# --- packaging ------------------------------------------------------------------------------------


def test_import_is_light():
    """`import regress_widgets` pulls in neither torch, cupy nor numba (numba loads on first compiled run)."""
    code = ("import sys, regress_widgets; "
            "print([m for m in ('torch', 'cupy', 'numba', 'mxnet', 'caffe2') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
