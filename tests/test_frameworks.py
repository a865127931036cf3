"""The real frameworks: shipped recordings replay within 1e-4, and fresh live recordings do too.

Live tests run each framework's runner in its own environment (``regress-widgets envs install
NAME`` builds them; ``.ci/run`` does it). A missing environment FAILS with that instruction:
these tests are the proof that the engine computes what Caffe2, MXNet and PyTorch compute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.frameworks import envs
from regress_widgets.frameworks.record import FRAMEWORKS, RecordError, record, runner_command, shipped
from regress_widgets.recipes.tutorials import InvalidSetting

TOL = 1e-4
TUTORIAL = {  # framework → (steps, first batch sizes, dataset examples per epoch)
    "caffe2": (100, [64] * 5, None),
    "mxnet": (25_000, [4] * 5, 10_000),
    "pytorch": (175, [8, 8, 8, 8, 8, 8, 2], 50),
}
LIVE = {  # fresh seeds, every slider moved off the tutorial's value, a partial last batch where there is one
    "caffe2": dict(seed=20251123, lr=0.05, gamma=0.5, stepsize=7, batch_size=16, noise=0.5, steps=40),
    "mxnet": dict(seed=4242, lr=0.01, gamma=0.8, stepsize=100, batch_size=24, noise=0.3, epochs=2),
    "pytorch": dict(seed=777, lr=0.03, gamma=0.5, stepsize=10, batch_size=6, noise=1.0, epochs=5),
}


def _within(result):
    assert result.ok, result.summary()
    for name, dev in result.deviations.items():
        assert dev <= TOL, (name, result.summary())


# --- always: the shipped recordings ---------------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_shipped_recording_replays_within_1e_4(framework):
    result = rw.replay(shipped(framework))
    _within(result)
    rec = result.recording
    assert rec.meta["framework"] == framework and rec.meta["recipe"] == framework
    assert rec.meta["dtype"] == "float32"
    # the framework really trained: θ moved most of the way to the ground truth
    truth = np.asarray(rw.RECIPES[framework].theta_true)
    assert np.abs(rec.theta[-1] - truth).max() < 0.35 < np.abs(rec.theta[0] - truth).max()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_shipped_recording_is_the_tutorials_own_run(framework):
    rec = rw.Recording.load(shipped(framework))
    recipe = rw.RECIPES[framework]
    steps, first, n = TUTORIAL[framework]
    assert len(rec.batch_sizes) == steps == recipe.total_steps
    assert rec.batch_sizes[: len(first)].tolist() == first
    assert {k: rec.meta["settings"][k] for k in ("lr", "gamma", "stepsize", "batch_size", "noise")} == {
        k: getattr(recipe, k) for k in ("lr", "gamma", "stepsize", "batch_size", "noise")}
    if n is not None:  # every epoch visits the whole dataset once, in a fresh order
        epoch = rec.X[:n]
        assert len(np.unique(epoch, axis=0)) == n
        np.testing.assert_array_equal(np.sort(rec.X[n:2 * n], axis=0), np.sort(epoch, axis=0))
        assert not np.array_equal(rec.X[n:2 * n], epoch)


def test_shipped_files_are_package_data_and_small():
    folder = resources.files("regress_widgets") / "frameworks" / "recordings"
    for framework in FRAMEWORKS:
        f = folder / f"{framework}.npz"
        assert f.is_file(), f
        assert os.path.getsize(str(f)) < 3_000_000
    with np.load(str(shipped("mxnet"))) as npz:  # stored as the framework computed: float32
        assert npz["X"].dtype == npz["theta"].dtype == npz["loss"].dtype == np.float32


def test_caffe2_iter_counts_from_one():
    """Iter runs before LearningRate: only 19 steps at the base rate; step 100 uses 0.1·0.9⁵."""
    rec = rw.Recording.load(shipped("caffe2"))
    assert np.allclose(rec.lr[:19], 0.1) and np.isclose(rec.lr[19], 0.09) and np.isclose(rec.lr[-1], 0.1 * 0.9**5)


def test_caffe2_half_mse_convention_matters():
    """The shipped Caffe2 run rules out the wrong conventions: plain MSE, or Iter counted from 0."""
    rec = rw.Recording.load(shipped("caffe2"))
    from regress_widgets.engine.sgd import simulate

    for loss_scale, first in ((1.0, 1), (0.5, 0)):
        recipe = rw.RECIPES["caffe2"]
        k = np.arange(len(rec.lr)) + first
        lr = recipe.lr * recipe.gamma ** (k // recipe.stepsize)
        theta, loss, _ = simulate(rec.X, rec.y, rec.batch_sizes, rec.theta0[None], lr[None], loss_scale)
        assert np.abs(theta[0] - rec.theta).max() > 10 * TOL  # 0.76 and 4e-3 measured
        assert np.abs(loss[0] - rec.loss).max() > 10 * TOL


def test_mxnet_epoch_losses_fall_like_the_tutorials():
    """The printed epoch loss (cumulative / batches) falls by about e each epoch, as published."""
    rec = rw.Recording.load(shipped("mxnet"))
    epoch = rec.loss.reshape(10, 2500).mean(axis=1)
    ratios = epoch[1:6] / epoch[:5]
    assert np.all((ratios > 0.25) & (ratios < 0.5)), epoch
    assert epoch[-1] < 0.02


# --- framework-specific bad input (no environment needed) -------------------------------------------


def test_record_validates_settings_before_running(tmp_path):
    with pytest.raises(InvalidSetting) as err:
        record("caffe2", tmp_path / "x.npz", epochs=2)
    assert err.value.field == "epochs"
    with pytest.raises(InvalidSetting) as err:
        record("pytorch", tmp_path / "x.npz", batch_size=51)
    assert err.value.field == "batch_size" and "50" in str(err.value)
    with pytest.raises(InvalidSetting) as err:
        record("tensorflow", tmp_path / "x.npz")
    assert err.value.field == "recipe"
    assert not (tmp_path / "x.npz").exists()


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "regress_widgets.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_cli_record_bad_option_is_one_line_exit_2(tmp_path):
    out = _cli("record", "caffe2", "--out", str(tmp_path / "x.npz"), "--lr", "-1")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "--lr" in out.stderr and "(0, 10]" in out.stderr
    out = _cli("record", "theano", "--out", str(tmp_path / "x.npz"))
    assert out.returncode == 2 and "theano" in out.stderr


def test_missing_env_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("REGRESS_WIDGETS_ENVS", str(tmp_path / "none"))
    with pytest.raises(envs.EnvError, match="regress-widgets envs install mxnet"):
        envs.env_python("mxnet")
    out = _cli("record", "mxnet", "--out", str(tmp_path / "x.npz"), env={"REGRESS_WIDGETS_ENVS": str(tmp_path)})
    assert out.returncode == 1
    assert "regress-widgets envs install mxnet" in out.stderr and "Traceback" not in out.stderr


def test_install_without_python38_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("REGRESS_WIDGETS_ENVS", str(tmp_path / "envs"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    with pytest.raises(envs.EnvError, match=r"needs Python 3\.8.*pyenv install 3\.8.*--python"):
        envs.install("caffe2", log=lambda s: None)
    with pytest.raises(envs.EnvError, match=r"--python .*caffe2 needs Python 3\.8"):
        envs.install("caffe2", python=sys.executable, log=lambda s: None)
    assert not (tmp_path / "envs" / "caffe2").exists()


def test_install_offline_says_so(tmp_path, monkeypatch):
    """pip that cannot reach an index: the message says to check the connection, then rerun."""
    monkeypatch.setenv("REGRESS_WIDGETS_ENVS", str(tmp_path / "envs"))
    for key in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "3")
    lines = []
    with pytest.raises(envs.EnvError) as err:
        envs.install("mxnet", python=sys.executable, log=lines.append)
    assert "online" in str(err.value) and "regress-widgets envs install mxnet" in str(err.value)
    assert any("[3/4] pip install mxnet==1.9.1" in line for line in lines)  # progress was shown
    with pytest.raises(envs.EnvError, match="not built"):  # a failed build never counts as built
        envs.env_python("mxnet")


def test_runner_failure_shows_its_output(tmp_path):
    """An interpreter without the framework: the error carries the runner's own last words."""
    with pytest.raises(RecordError, match="No module named 'mxnet'"):
        record("mxnet", tmp_path / "x.npz", python=sys.executable, steps=3)


def test_runner_command_passes_every_setting_exactly():
    cmd = runner_command("mxnet", "o.npz", seed=3, python="py", lr=0.1 + 0.2, batch_size=24, epochs=2)
    assert cmd[:2] == ["py", "-s"] and cmd[cmd.index("--seed") + 1] == "3"
    assert float(cmd[cmd.index("--lr") + 1]) == 0.1 + 0.2  # repr round-trips
    assert cmd[cmd.index("--epochs") + 1] == "2" and "--steps" not in cmd
    assert cmd[cmd.index("--stepsize") + 1] == "2500" and cmd[cmd.index("--gamma") + 1] == "1.0"


# --- live: the real frameworks, fresh seeds, sliders moved ------------------------------------------


@pytest.fixture(scope="module")
def built():
    """The framework's interpreter; a missing environment is a failure that says how to build it."""

    def get(framework):
        try:
            return envs.env_python(framework)
        except envs.EnvError as err:
            message = str(err)
        pytest.fail(f"{message}\n(.ci/run builds all three with `regress-widgets envs install all`)")

    return get


@pytest.fixture(scope="module")
def live(built, tmp_path_factory):
    cache = {}

    def get(framework):
        if framework not in cache:
            built(framework)
            out = tmp_path_factory.mktemp(framework) / "live.npz"
            settings = dict(LIVE[framework])
            seed = settings.pop("seed")
            record(framework, out, seed=seed, **settings)
            cache[framework] = out
        return cache[framework]

    return get


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_live_recording_with_moved_sliders_replays_within_1e_4(framework, live):
    result = rw.replay(live(framework))
    _within(result)
    rec = result.recording
    settings = dict(LIVE[framework])
    assert rec.meta["seed"] == settings.pop("seed")
    for key, value in settings.items():
        assert rec.meta["settings"][key] == value
    # the schedule really decayed, and by the framework's own counting
    recipe = rec.recipe
    assert len(np.unique(rec.lr)) > 2
    np.testing.assert_allclose(rec.lr, recipe.learning_rates(len(rec.lr)), rtol=1e-6)


def test_live_batches_follow_the_loader(live):
    rec = rw.Recording.load(live("pytorch"))  # 50 examples in batches of 6: 8 full and one of 2
    assert rec.batch_sizes.tolist() == ([6] * 8 + [2]) * 5
    rec = rw.Recording.load(live("mxnet"))  # 10,000 in batches of 24: 416 full and one of 16
    assert rec.batch_sizes.tolist() == ([24] * 416 + [16]) * 2
    rec = rw.Recording.load(live("caffe2"))
    assert rec.batch_sizes.tolist() == [16] * 40
    # noise 0.5 instead of 1: residuals about the ground truth have std ≈ 0.5
    resid = rec.y - rec.X @ np.array([2.0, 1.5]) - 0.5
    assert 0.4 < resid.std() < 0.6


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_live_runner_is_deterministic_in_its_seed(framework, built, tmp_path):
    built(framework)
    short = {"caffe2": dict(steps=5), "mxnet": dict(steps=5, batch_size=7), "pytorch": dict(steps=12)}[framework]
    a = record(framework, tmp_path / "a.npz", seed=11, **short)
    b = record(framework, tmp_path / "b.npz", seed=11, **short)
    c = record(framework, tmp_path / "c.npz", seed=12, **short)
    for key in ("X", "y", "theta", "loss"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    assert not np.array_equal(a.X, c.X)


def test_cli_record_writes_and_replays(built, tmp_path):
    built("pytorch")
    out = tmp_path / "cli.npz"
    run = _cli("record", "pytorch", "--out", str(out), "--seed", "5", "--lr", "0.02", "--batch-size", "10",
               "--epochs", "3", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["ok"] and summary["steps"] == 15 and summary["framework"] == "pytorch"
    assert _cli("replay", str(out)).returncode == 0


def test_envs_install_is_fast_when_built(built):
    built("mxnet")
    lines = []
    envs.install("mxnet", log=lines.append)
    assert any("already built" in line for line in lines)
