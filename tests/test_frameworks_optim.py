"""The real frameworks' optimizers (issue 13): shipped recordings per framework and optimizer replay within 1e-4,
fresh live recordings with moved sliders do too, and each framework's measured convention is the one that
replays — another framework's convention does not.

Live tests run the runners in their environments (``regress-widgets envs install all``); a missing environment
fails with that instruction, as in test_frameworks.py.
"""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.frameworks import envs
from regress_widgets.frameworks.record import FRAMEWORKS, OPTIMIZER_RUNS, optimizer_run, record, shipped
from regress_widgets.recipes.settings import OPTIMIZER_SETTINGS

TOL = 1e-4


def _within(result):
    """The one rule (within 1e-4 · max(1, |value|)); θ and lr, of order 1 or less, within 1e-4 outright."""
    assert result.ok, result.summary()
    assert result.deviations["theta"] <= TOL and result.deviations["lr"] <= TOL, result.summary()


def _apart(rec, **wrong) -> float:
    """Largest |θ engine − θ framework| when the engine runs the recording with other conventions."""
    run = rw.train(replace(rec.recipe, **wrong), stream=rec.stream, theta0=rec.theta0)
    return float(np.abs(run.theta - rec.theta).max())


# --- always: the shipped recordings --------------------------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("variant", list(OPTIMIZER_RUNS))
def test_shipped_optimizer_recording_replays_within_1e_4(framework, variant):
    path = shipped(framework, variant)
    assert os.path.getsize(path) < 300_000
    result = rw.replay(path)
    _within(result)
    rec = result.recording
    assert rec.meta["framework"] == framework and rec.meta["dtype"] == "float32"
    assert set(OPTIMIZER_SETTINGS) <= set(rec.meta["settings"])  # every setting the framework ran with
    for key, value in optimizer_run(framework, variant).items():
        assert rec.meta["settings"][key] == value
    truth = np.asarray(rw.RECIPES[framework].theta_true)
    assert np.abs(rec.theta[-1] - truth).max() < 0.2 < np.abs(rec.theta[0] - truth).max()


def test_shipped_caffe2_runs_tell_the_conventions_apart():
    """Under Caffe2's decay (γ 0.9 every 20) lr outside the velocity is another path; Adam's t from 1 is too."""
    assert _apart(rw.Recording.load(shipped("caffe2", "momentum")), lr_in_velocity=False) > 10 * TOL
    assert _apart(rw.Recording.load(shipped("caffe2", "nesterov")), lr_in_velocity=False) > 10 * TOL
    assert _apart(rw.Recording.load(shipped("caffe2", "adam")), adam_step_offset=0) > 10 * TOL


def test_at_a_constant_lr_inside_and_outside_are_one_path():
    rec = rw.Recording.load(shipped("pytorch", "momentum"))  # γ = 1
    assert _apart(rec, lr_in_velocity=True) < TOL


# --- live: the real frameworks, fresh seeds, sliders moved -----------------------------------------------------

BASE = {
    "caffe2": dict(seed=99, lr=0.05, gamma=0.5, stepsize=7, batch_size=16, noise=0.5, steps=40),
    "mxnet": dict(seed=31, lr=0.02, gamma=0.5, stepsize=100, batch_size=24, noise=0.3, steps=300),
    "pytorch": dict(seed=555, lr=0.03, gamma=0.5, stepsize=10, batch_size=6, noise=1.0, epochs=5),
}
OPTIMIZERS = {
    "sgd": dict(momentum=0.8, weight_decay=0.05),
    "nesterov": dict(optimizer="nesterov", momentum=0.7, weight_decay=0.5),
    "adam": dict(optimizer="adam", beta1=0.8, beta2=0.99, eps=0.1, weight_decay=0.02),
}
OTHER_CONVENTIONS = {  # (framework, optimizer) → conventions of another framework that must NOT replay it
    ("caffe2", "sgd"): [dict(lr_in_velocity=False)],
    ("caffe2", "nesterov"): [dict(lr_in_velocity=False)],
    ("caffe2", "adam"): [dict(adam_step_offset=0), dict(adam_eps_corrected=True)],
    ("mxnet", "sgd"): [dict(lr_in_velocity=False)],
    ("mxnet", "nesterov"): [dict(velocity_decay_after_step=False), dict(lr_in_velocity=False)],
    ("mxnet", "adam"): [dict(adam_eps_corrected=True), dict(adam_step_offset=1)],
    ("pytorch", "sgd"): [dict(lr_in_velocity=True)],
    ("pytorch", "nesterov"): [dict(lr_in_velocity=True)],
    ("pytorch", "adam"): [dict(adam_eps_corrected=False), dict(adam_step_offset=1)],
}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    cache = {}

    def get(framework, optimizer):
        if (framework, optimizer) not in cache:
            try:
                envs.env_python(framework)
            except envs.EnvError as err:
                pytest.fail(f"{err}\n(.ci/run builds all three with `regress-widgets envs install all`)")
            settings = {**BASE[framework], **OPTIMIZERS[optimizer]}
            seed = settings.pop("seed")
            out = tmp_path_factory.mktemp(f"{framework}-{optimizer}") / "live.npz"
            record(framework, out, seed=seed, **settings)
            cache[framework, optimizer] = out
        return cache[framework, optimizer]

    return get


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_live_optimizer_recording_replays_and_its_convention_is_the_measured_one(framework, optimizer, live):
    result = rw.replay(live(framework, optimizer))
    _within(result)
    rec = result.recording
    settings = {**BASE[framework], **OPTIMIZERS[optimizer]}
    assert rec.meta["seed"] == settings.pop("seed")
    for key, value in settings.items():
        assert rec.meta["settings"][key] == value
    assert len(np.unique(rec.lr)) > 2  # the schedule decayed
    for wrong in OTHER_CONVENTIONS[framework, optimizer]:
        assert _apart(rec, **wrong) > 10 * TOL, wrong


def test_runner_command_passes_every_optimizer_setting_exactly():
    from regress_widgets.frameworks.record import runner_command

    cmd = runner_command("caffe2", "o.npz", python="py", optimizer="adam", beta1=0.1 + 0.2, eps=1e-3)
    assert cmd[cmd.index("--optimizer") + 1] == "adam"
    assert float(cmd[cmd.index("--beta1") + 1]) == 0.1 + 0.2 and float(cmd[cmd.index("--eps") + 1]) == 1e-3
    for flag, value in (("--momentum", 0.0), ("--beta2", 0.999), ("--weight-decay", 0.0)):  # defaults too
        assert float(cmd[cmd.index(flag) + 1]) == value
    with pytest.raises(rw.InvalidSetting) as err:
        runner_command("pytorch", "o.npz", python="py", optimizer="nesterov")
    assert err.value.field == "momentum"
