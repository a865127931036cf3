"""The cupy backend computes what numpy computes. Skipped, with the reason, without a usable GPU."""

from __future__ import annotations

import numpy as np
import pytest
from gpu_support import CUPY, needs_gpu

import regress_widgets as rw

pytestmark = pytest.mark.gpu


@pytest.mark.skipif(CUPY is not None, reason="a GPU is usable here")
def test_cupy_backend_without_a_gpu_names_the_backend():
    with pytest.raises(rw.InvalidSetting) as err:
        rw.train("pytorch", backend="cupy")
    assert err.value.field == "backend" and "cupy" in str(err.value)


@needs_gpu
@pytest.mark.parametrize("name, overrides", [("caffe2", {}), ("mxnet", {}), ("pytorch", {"batch_size": 7}),
                                             ("mxnet", {"batch_size": 3, "epochs": 1})])
def test_cupy_equals_numpy(name, overrides):
    cpu = rw.train(name, seed=4, method="vectorized", **overrides)
    gpu = rw.train(name, seed=4, backend="cupy", **overrides)
    assert gpu.backend == "cupy" and isinstance(gpu.theta, np.ndarray)
    np.testing.assert_allclose(gpu.theta, cpu.theta, rtol=0, atol=1e-10 * max(1, np.abs(cpu.theta).max()))
    np.testing.assert_allclose(gpu.loss, cpu.loss, rtol=1e-10, atol=1e-12)
    assert gpu.diverged_at == cpu.diverged_at


@needs_gpu
def test_cupy_float32_close_to_numpy():
    cpu = rw.train("mxnet", seed=1)
    gpu = rw.train("mxnet", seed=1, backend="cupy", dtype="float32")
    np.testing.assert_allclose(gpu.theta, cpu.theta, rtol=0, atol=2e-3)


@needs_gpu
def test_cupy_sweep_equals_numpy():
    grid = {"lr": np.geomspace(1e-3, 0.5, 24), "seed": [0, 1]}
    cpu = rw.sweep("pytorch", method="vectorized", **grid)
    gpu = rw.sweep("pytorch", backend="cupy", **grid)
    np.testing.assert_array_equal(gpu.diverged_at, cpu.diverged_at)
    finite = np.isfinite(cpu.theta_final).all(axis=1)
    np.testing.assert_allclose(gpu.theta_final[finite], cpu.theta_final[finite], rtol=1e-9, atol=1e-10)


@needs_gpu
def test_cupy_divergence(no_warnings):
    run = rw.train("pytorch", seed=0, lr=9.0, backend="cupy")
    assert run.diverged_at is not None and np.isnan(run.theta[run.diverged_at:]).all()


@needs_gpu
def test_cupy_compiled_method_is_refused():
    with pytest.raises(ValueError, match="numpy arrays only"):
        rw.train("pytorch", backend="cupy", method="compiled")
