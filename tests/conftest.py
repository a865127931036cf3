"""Shared test helpers: independent per-step reference loops and recordings built from them.

The reference loops below are written from the tutorials' own code (DESIGN §1), one plain
numpy step at a time. They do not import the engine: recordings built with them check the
engine against an independent implementation, not against itself.
"""

from __future__ import annotations

import json
import platform
import warnings
from types import SimpleNamespace

import numpy as np
import pytest


def caffe2_reference(X, y, sizes, theta0, *, base_lr=0.1, gamma=0.9, stepsize=20, dtype=np.float64,
                     iter_first=True):
    """Caffe2's toy regression ops, one iteration at a time.

    Iter increments ITER, then LearningRate reads it (step policy, base_lr written as −0.1);
    FC; SquaredL2Distance = 0.5·Σ_j (pred − y)² per row; AveragedLoss = mean over rows;
    gradients g = (pred − y)/n, dW = gᵀX, dB = Σg; WeightedSum([W, ONE, dW, LR], W).
    ``iter_first=False`` is the wrong replica, with LearningRate read before Iter (k from 0).
    """
    X = np.asarray(X, dtype=dtype)
    y = np.asarray(y, dtype=dtype)
    W = np.asarray(theta0[:-1], dtype=dtype).reshape(1, -1)
    B = np.asarray(theta0[-1:], dtype=dtype)
    ONE = dtype(1.0)
    it = 0
    start = 0
    thetas, lrs, losses = [np.append(W[0], B)], [], []
    for n in sizes:
        xb, yb = X[start:start + n], y[start:start + n, None]
        start += n
        if iter_first:
            it += 1  # Iter
        LR = dtype(-base_lr * gamma ** (it // stepsize))  # LearningRate, policy "step"
        if not iter_first:
            it += 1
        pred = xb @ W.T + B  # FC
        dist = dtype(0.5) * ((pred - yb) ** 2).sum(axis=1)  # SquaredL2Distance
        loss = dist.mean()  # AveragedLoss
        g = (pred - yb) / dtype(n)
        dW = g.T @ xb
        dB = g.sum(axis=0)
        W = ONE * W + LR * dW  # WeightedSum
        B = ONE * B + LR * dB
        thetas.append(np.append(W[0], B))
        lrs.append(-LR)
        losses.append(loss)
    return np.array(thetas), np.array(lrs), np.array(losses)


def mse_reference(X, y, sizes, theta0, *, lr, gamma=1.0, stepsize=1, dtype=np.float64):
    """PyTorch / MXNet from scratch: loss = mean((y − ŷ)²), param ← param − lr·grad.

    The learning rate follows torch's ``StepLR(step_size=stepsize, gamma)`` stepped after
    every optimizer step: the first ``stepsize`` steps use the base rate.
    """
    X = np.asarray(X, dtype=dtype)
    y = np.asarray(y, dtype=dtype)
    w = np.asarray(theta0[:-1], dtype=dtype).copy()
    b = dtype(theta0[-1])
    scheduler_steps = 0
    start = 0
    thetas, lrs, losses = [np.append(w, b)], [], []
    for n in sizes:
        xb, yb = X[start:start + n], y[start:start + n]
        start += n
        rate = dtype(lr * gamma ** (scheduler_steps // stepsize))
        y_hat = xb @ w + b
        loss = np.mean((yb - y_hat) ** 2)
        d_y_hat = dtype(-2.0) * (yb - y_hat) / dtype(n)  # backward of the mean of squares
        grad_w = xb.T @ d_y_hat
        grad_b = d_y_hat.sum()
        w = w - rate * grad_w
        b = b - rate * grad_b
        scheduler_steps += 1
        thetas.append(np.append(w, b))
        lrs.append(rate)
        losses.append(loss)
    return np.array(thetas), np.array(lrs), np.array(losses)


def loader_order(rng, n_examples, batch_size, epochs):
    """A shuffling data loader that keeps the last partial batch: row order and batch sizes."""
    order, sizes = [], []
    for _ in range(epochs):
        order.append(rng.permutation(n_examples))
        full, rest = divmod(n_examples, batch_size)
        sizes += [batch_size] * full + ([rest] if rest else [])
    return np.concatenate(order), np.asarray(sizes, dtype=np.int64)


def build_recording(kind: str, *, seed: int = 7, dtype=np.float64, settings: dict | None = None) -> dict:
    """A recording (DESIGN §2 keys) made by the reference loops on data drawn here.

    ``kind``: "caffe2" (streaming, 130 iterations of 64 fresh examples), "pytorch"
    (50 examples, batches of 8, 25 epochs: six of 8 and one of 2 each epoch) or "mxnet"
    (1,002 examples, batches of 4, 2 epochs: the last batch of each epoch has 2).
    """
    rng = np.random.default_rng(seed)
    settings = dict(settings or {})
    if kind == "caffe2":
        steps, batch = 130, 64
        sizes = np.full(steps, batch, dtype=np.int64)
        X = rng.normal(0.0, 1.0, (steps * batch, 2))
        y = X @ np.array([2.0, 1.5]) + 0.5 + rng.normal(0.0, 1.0, steps * batch)
        theta0 = np.append(rng.uniform(-1.0, 1.0, 2), 0.0)
        kw = {k: settings[k] for k in ("gamma", "stepsize") if k in settings}
        theta, lr, loss = caffe2_reference(X, y, sizes, theta0, base_lr=settings.get("lr", 0.1), dtype=dtype,
                                           **kw)
    elif kind == "pytorch":
        x = rng.uniform(-3.0, 3.0, 50)
        labels = 3.0 * x + 5.0 + rng.normal(0.0, 0.5, 50)
        order, sizes = loader_order(rng, 50, settings.get("batch_size", 8), 25)
        X, y = x[order, None], labels[order]
        theta0 = np.zeros(2)
        theta, lr, loss = mse_reference(X, y, sizes, theta0, lr=settings.get("lr", 0.01),
                                        gamma=settings.get("gamma", 1.0), stepsize=settings.get("stepsize", 7),
                                        dtype=dtype)
    elif kind == "mxnet":
        data = rng.normal(0.0, 1.0, (1002, 2))
        labels = 2 * data[:, 0] - 3.4 * data[:, 1] + 4.2 + 0.1 * rng.normal(0.0, 1.0, 1002)
        order, sizes = loader_order(rng, 1002, settings.get("batch_size", 4), 2)
        X, y = data[order], labels[order]
        theta0 = rng.normal(0.0, 1.0, 3)
        theta, lr, loss = mse_reference(X, y, sizes, theta0, lr=settings.get("lr", 1e-4),
                                        gamma=settings.get("gamma", 1.0), stepsize=settings.get("stepsize", 2500),
                                        dtype=dtype)
    else:
        raise ValueError(kind)
    meta = {
        "framework": f"reference-{kind}", "framework_version": np.__version__, "recipe": kind, "seed": seed,
        "dtype": np.dtype(dtype).name, "python": platform.python_version(),
    }
    if settings:
        meta["settings"] = settings
    return {
        "X": X.astype(dtype), "y": y.astype(dtype), "batch_sizes": sizes, "theta0": theta0.astype(dtype),
        "theta": theta, "lr": lr, "loss": loss, "meta": np.array(json.dumps(meta)),
    }


@pytest.fixture
def references():
    """The reference loops: ``references.caffe2(...)``, ``references.mse(...)``."""
    return SimpleNamespace(caffe2=caffe2_reference, mse=mse_reference)


@pytest.fixture
def recording():
    """``recording(kind, **options)`` builds a fresh reference recording (a dict of arrays)."""
    return build_recording


@pytest.fixture
def save_recording(tmp_path):
    """``save_recording(arrays, name)`` writes a dict of arrays as an .npz and returns its path."""
    def save(arrays: dict, name: str = "rec.npz"):
        path = tmp_path / name
        np.savez(path, **arrays)
        return path

    return save


@pytest.fixture
def no_warnings():
    """Turn every warning (RuntimeWarning from overflow included) into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
