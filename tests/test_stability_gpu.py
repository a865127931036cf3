"""The stability map on the GPU (cupy) computes what numpy computes. Skipped, with the reason, without a usable GPU."""

from __future__ import annotations

import numpy as np
import pytest
from gpu_support import CUPY, needs_gpu

import regress_widgets as rw
from regress_widgets.engine.stability_map import stability_map

pytestmark = pytest.mark.gpu


@pytest.mark.skipif(CUPY is not None, reason="a GPU is usable here")
def test_without_a_gpu_auto_is_numpy_and_cupy_is_refused():
    grid = stability_map("pytorch", x_values=[0.01, 0.1], y_values=[1, 8], seeds=1, backend="auto")
    assert grid.final_loss.shape == (2, 2, 1)
    with pytest.raises(rw.InvalidSetting) as err:
        stability_map("pytorch", x_values=[0.01, 0.1], y_values=[1, 8], seeds=1, backend="cupy")
    assert err.value.field == "backend"


@needs_gpu
@pytest.mark.parametrize("name, extra", [("mxnet", {"epochs": 1}), ("pytorch", {}), ("caffe2", {"momentum": 0.5})])
def test_cupy_map_equals_numpy(name, extra):
    kw = dict(n=8, seeds=2, **extra)
    cpu = stability_map(name, backend="numpy", **kw)
    gpu = stability_map(name, backend="cupy", **kw)
    finite = np.isfinite(cpu.final_loss)
    assert (finite == np.isfinite(gpu.final_loss)).mean() > 0.98  # a run on the edge may blow up one step apart
    both = finite & np.isfinite(gpu.final_loss)
    np.testing.assert_allclose(gpu.final_loss[both], cpu.final_loss[both], rtol=1e-6)
    assert (gpu.kinds == cpu.kinds).mean() > 0.98
