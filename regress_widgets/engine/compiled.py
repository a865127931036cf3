"""The SGD loop compiled with numba: one pass over runs, steps and examples, every update rule of :mod:`.optim`.

Imported only when a compiled run is asked for, so that ``import regress_widgets``
stays light; numba caches the machine code on disk after the first compile.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba.np.random.generator_core import next_uint32, next_uint64

from ..recipes.data import _rng, batch_sizes
from ..recipes.tutorials import Recipe
from ..theory.numba_cache import prepare
from .optimizers import Rule

prepare()  # a read-only install caches in the user's folder (numba's setting, before our first njit)

UNROLLED = 8
"""θ of at most this many numbers (inputs and intercept) has the loop compiled for its length."""


@numba.njit(cache=True, nogil=True)
def _loop(X, y, index, offsets, theta0, lr, loss_scale, keep_path, path, loss, diverged,
          code, momentum, weight_decay, beta1, beta2, beta1_64, beta2_64, eps, lr_in_velocity, decay_after, step_offset,
          eps_corrected, width):
    R = theta0.shape[0]
    # θ's length from the type of ``width`` (a tuple's length is part of its type) where it is short: each length
    # compiled on its own, its loops over the coordinates of a constant count (unrolled: about 1.5× faster)
    P = len(width) if len(width) > 0 else theta0.shape[1]
    T = lr.shape[1]
    d = P - 1
    indexed = index.shape[0] > 0  # example i of the stream is row index[i] of X (else row i)
    zero = X[0, 0] * 0  # accumulate in the data's dtype (float32 mirrors the frameworks)
    one = zero + 1
    two_s = loss_scale * 2
    grad = np.empty(P, dtype=X.dtype)
    vel = np.empty(P, dtype=X.dtype)
    sq = np.empty(P, dtype=X.dtype)
    for r in range(R):
        th = theta0[r].copy()
        for j in range(P):
            vel[j] = zero
            sq[j] = zero
        beta = momentum[r]
        lam = weight_decay[r]
        b1 = beta1[r]
        b2 = beta2[r]
        plain = code == 0 and beta == 0
        row = r if lr.shape[0] > 1 else 0  # one schedule for all runs, or one each
        b64_1 = beta1_64[r]  # the bias corrections in float64, as the frameworks compute them (a Python float)
        b64_2 = beta2_64[r]
        pow1 = b64_1 ** step_offset
        pow2 = b64_2 ** step_offset
        stop = 0
        for t in range(T):
            a = offsets[t]
            b = offsets[t + 1]
            n = b - a
            total = zero
            for j in range(P):
                grad[j] = zero
            for i in range(a, b):
                k = index[i] if indexed else i
                res = th[d] - y[k]
                for j in range(d):
                    res += X[k, j] * th[j]
                total += res * res
                for j in range(d):
                    grad[j] += res * X[k, j]
                grad[d] += res
            step_loss = loss_scale * total / n
            eta = lr[row, t]
            finite = math.isfinite(step_loss)
            if plain and lam == 0:  # the tutorials' own update, exactly as before
                rate = two_s * eta / n
                for j in range(P):
                    th[j] -= rate * grad[j]
            elif plain:
                scale = two_s / n
                for j in range(P):
                    th[j] -= eta * (scale * grad[j] + lam * th[j])
            elif code == 2:  # Adam: β^t by running products (β₁ᵗ, β₂ᵗ of t = k + step_offset)
                pow1 *= b64_1
                pow2 *= b64_2
                root = math.sqrt(1.0 - pow2)
                factor = eta * (root / (1.0 - pow1))
                ep = eps[r] * root if eps_corrected else eps[r]
                scale = two_s / n
                for j in range(P):
                    g = scale * grad[j] + lam * th[j]
                    vel[j] = b1 * vel[j] + (one - b1) * g
                    sq[j] = b2 * sq[j] + (one - b2) * g * g
                    th[j] -= factor * (vel[j] / (math.sqrt(sq[j]) + ep))
            else:  # momentum: heavy ball (0) or Nesterov (1)
                scale = two_s / n
                for j in range(P):
                    gd = scale * grad[j]
                    g = gd + lam * th[j]
                    old = th[j]
                    if lr_in_velocity:
                        v = beta * vel[j] + eta * g
                        th[j] = old - v if code == 0 else old - (eta * g + beta * v)
                        if code == 1 and decay_after:
                            v = beta * vel[j] + eta * (gd + lam * th[j])
                    else:
                        v = beta * vel[j] + g
                        th[j] = old - eta * v if code == 0 else old - eta * (g + beta * v)
                        if code == 1 and decay_after:
                            v = beta * vel[j] + (gd + lam * th[j])
                    vel[j] = v
            for j in range(P):
                finite &= math.isfinite(th[j])  # no branch per coordinate
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


def sgd_loop(X, y, batch_sizes, theta0, lr, loss_scale, keep_path, rule: Rule | None = None, index=None):
    """Same contract as :func:`regress_widgets.engine.sgd.simulate`, on numpy arrays (``index``: the stream's rows of
    X)."""
    X = np.ascontiguousarray(X)
    dtype = X.dtype
    y = np.ascontiguousarray(y, dtype=dtype)
    theta0 = np.ascontiguousarray(theta0, dtype=dtype)
    lr = np.ascontiguousarray(lr, dtype=dtype)
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)]).astype(np.int64)
    R, P = theta0.shape
    T = lr.shape[1]
    rule = Rule.plain(R) if rule is None else rule
    path = np.empty((R, T + 1 if keep_path else 2, P), dtype=dtype)
    path[:, 0] = theta0
    loss = np.empty((R, T), dtype=dtype)
    diverged = np.zeros(R, dtype=np.int64)

    def col(a):
        return np.ascontiguousarray(a, dtype=dtype)

    index = np.empty(0, dtype=np.int64) if index is None else np.ascontiguousarray(index, dtype=np.int64)
    _loop(X, y, index, offsets, theta0, lr, dtype.type(loss_scale), keep_path, path, loss, diverged,
          rule.code, col(rule.momentum), col(rule.weight_decay), col(rule.beta1), col(rule.beta2),
          np.ascontiguousarray(rule.beta1, dtype=np.float64), np.ascontiguousarray(rule.beta2, dtype=np.float64),
          np.ascontiguousarray(rule.eps, dtype=np.float64), rule.lr_in_velocity, rule.velocity_decay_after_step,
          rule.adam_step_offset, rule.adam_eps_corrected, (0,) * P if P <= UNROLLED else ())
    return path, loss, diverged


_M32 = np.uint64(0xFFFFFFFF)


@numba.njit(inline="always")
def _mask(top):
    """The smallest all-ones bit mask ≥ ``top`` (numpy's ``random_interval``)."""
    mask = top
    mask |= mask >> np.uint64(1)
    mask |= mask >> np.uint64(2)
    mask |= mask >> np.uint64(4)
    mask |= mask >> np.uint64(8)
    mask |= mask >> np.uint64(16)
    mask |= mask >> np.uint64(32)
    return mask


@numba.njit(cache=True, nogil=True)
def _permutations(rng, n, epochs, total, out):
    """``numpy.concatenate([rng.permutation(n) for _ in range(epochs)])[:total]``, draw for draw: numpy's shuffle
    (Fisher–Yates from the end, each index by masked rejection as ``random_interval`` of numpy's distributions.c
    draws it) on the Generator's own bit generator (its next_uint32/next_uint64), without numpy's overhead."""
    bitgen = rng.bit_generator
    for e in range(epochs):
        a = out[e * n:(e + 1) * n]
        for i in range(n):
            a[i] = i
        for i in range(n - 1, 0, -1):
            top = np.uint64(i)
            mask = _mask(top)
            if top <= _M32:
                value = np.uint64(next_uint32(bitgen)) & mask
                while value > top:
                    value = np.uint64(next_uint32(bitgen)) & mask
            else:
                value = next_uint64(bitgen) & mask
                while value > top:
                    value = next_uint64(bitgen) & mask
            j = np.int64(value)
            if j != i:
                a[i], a[j] = a[j], a[i]
    return out[:total]


def permutations(rng: np.random.Generator, n: int, epochs: int, total: int, out: np.ndarray | None = None
                 ) -> np.ndarray:
    """``numpy.concatenate([rng.permutation(n) for _ in range(epochs)])[:total]``: the same numbers, and the
    generator left in the same state, computed by compiled code without the GIL (about half numpy's time for many
    small epochs; the cost left is the draws and their rejections). ``out``: an int64 array of at least
    ``epochs · n`` to write them in (a sweep reuses one: no fresh memory for every seed)."""
    if out is None or out.dtype != np.int64 or out.ndim != 1 or len(out) < epochs * n:
        out = np.empty(epochs * n, dtype=np.int64)
    return _permutations(rng, n, epochs, total, out)


def stream_order(recipe: Recipe, seed: int, sizes: np.ndarray | None = None, out: np.ndarray | None = None
                 ) -> np.ndarray:
    """:func:`regress_widgets.recipes.data.stream_order` (a fixed dataset's indices in the order SGD visits them, for
    the
    steps' batch ``sizes``: :func:`~regress_widgets.recipes.data.batch_sizes` of the recipe), the same numbers drawn by
    compiled code, without numpy's overhead per epoch and without the GIL (``out``: see :func:`permutations`)."""
    total = int((batch_sizes(recipe) if sizes is None else sizes).sum())
    epochs = -(-total // recipe.n_examples)
    return permutations(_rng(seed, "order"), recipe.n_examples, epochs, total, out)
