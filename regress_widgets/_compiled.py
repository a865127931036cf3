"""The SGD loop compiled with numba: one pass over runs, steps and examples.

Imported only when a compiled run is asked for, so that ``import regress_widgets``
stays light; numba caches the machine code on disk after the first compile.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _loop(X, y, offsets, theta0, lr, loss_scale, keep_path, path, loss, diverged):
    R, P = theta0.shape
    T = lr.shape[1]
    d = P - 1
    zero = X[0, 0] * 0  # accumulate in the data's dtype (float32 mirrors the frameworks)
    two_s = loss_scale * 2
    grad = np.empty(P, dtype=X.dtype)
    for r in range(R):
        th = theta0[r].copy()
        stop = 0
        for t in range(T):
            a = offsets[t]
            b = offsets[t + 1]
            n = b - a
            total = zero
            for j in range(P):
                grad[j] = zero
            for i in range(a, b):
                res = th[d] - y[i]
                for j in range(d):
                    res += X[i, j] * th[j]
                total += res * res
                for j in range(d):
                    grad[j] += res * X[i, j]
                grad[d] += res
            step_loss = loss_scale * total / n
            rate = two_s * lr[r, t] / n
            finite = math.isfinite(step_loss)
            for j in range(P):
                th[j] -= rate * grad[j]
                finite = finite and math.isfinite(th[j])
            if not finite:
                stop = t + 1
                break
            loss[r, t] = step_loss
            if keep_path:
                path[r, t + 1] = th
        diverged[r] = stop
        if stop:
            for t in range(stop - 1, T):
                loss[r, t] = np.nan
            if keep_path:
                for t in range(stop, T + 1):
                    path[r, t] = np.nan
            else:
                path[r, 1] = np.nan
        elif not keep_path:
            path[r, 1] = th


def sgd_loop(X, y, batch_sizes, theta0, lr, loss_scale, keep_path):
    """Same contract as :func:`regress_widgets.sgd.simulate`, on numpy arrays."""
    X = np.ascontiguousarray(X)
    dtype = X.dtype
    y = np.ascontiguousarray(y, dtype=dtype)
    theta0 = np.ascontiguousarray(theta0, dtype=dtype)
    lr = np.ascontiguousarray(lr, dtype=dtype)
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)]).astype(np.int64)
    R, P = theta0.shape
    T = lr.shape[1]
    path = np.empty((R, T + 1 if keep_path else 2, P), dtype=dtype)
    path[:, 0] = theta0
    loss = np.empty((R, T), dtype=dtype)
    diverged = np.zeros(R, dtype=np.int64)
    _loop(X, y, offsets, theta0, lr, dtype.type(loss_scale), keep_path, path, loss, diverged)
    return path, loss, diverged
