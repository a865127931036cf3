"""The compiled SGD loop (:mod:`.compiled`) again, in plain Python floats: the same numbers, bit for bit, for runs
of float64 small enough that importing numba (about 120 MB of a kernel, and a compile or a cache load) costs more
than the loop itself.

Every operation is the compiled loop's, in its order, on IEEE doubles (Python floats): the per-example residual
``((b − y) + x₀w₀) + x₁w₁ …``, the sums over a batch from zero, one example after the other, then the update
in the very expressions of :func:`regress_widgets.engine.compiled._loop`. Only float64 runs come here (float32
would need every rounding of numba's typing mirrored). A run whose arithmetic Python refuses (a division by zero
or an overflow that numba turns into inf or NaN) returns None: the caller runs the compiled loop.
"""

from __future__ import annotations

import math

import numpy as np

from .optimizers import Rule

LIMIT = 60_000
"""At most this many example visits × parameters (over all runs) are run here: about 25 ms in Python, the cost of
a first numba load from a warm cache. PyTorch's tutorial is 2,800, Caffe2's 19,200, MXNet's 75,000."""


def fits(X, theta0, lr, batch_sizes) -> bool:
    """Whether this run is one for the plain loop: float64 numpy arrays, and little work."""
    return (isinstance(X, np.ndarray) and X.dtype == np.float64 and theta0.dtype == np.float64
            and len(batch_sizes) == lr.shape[1] and theta0.shape[0] * int(np.sum(batch_sizes)) * theta0.shape[1]
            <= LIMIT)


def sgd_loop(X, y, batch_sizes, theta0, lr, loss_scale, keep_path, rule: Rule | None = None, index=None):
    """:func:`regress_widgets.engine.compiled.sgd_loop`'s contract and numbers; None where Python's float
    arithmetic raises (the caller then runs the compiled loop)."""
    R, P = theta0.shape
    T = lr.shape[1]
    rule = Rule.plain(R) if rule is None else rule
    zero = X[0, 0].item() * 0  # the compiled loop sums from X[0, 0]·0: −0.0 where X[0, 0] < 0
    if not math.isfinite(zero) or rule.adam_step_offset not in (0, 1):
        return None  # (numba's integer powers match Python's only for these)
    if index is not None:
        X, y = X[np.asarray(index)], y[np.asarray(index)]
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)]).tolist()
    wide = int(np.max(batch_sizes)) >= WIDE
    sums = _numpy_sums(X, y, offsets, zero) if wide else _python_sums(*_as_lists(X, y), offsets, zero)
    path = np.empty((R, T + 1 if keep_path else 2, P))
    path[:, 0] = theta0
    loss = np.empty((R, T))
    diverged = np.zeros(R, dtype=np.int64)
    rates = lr.tolist()
    try:
        with np.errstate(all="ignore"):  # inf and NaN as numba makes them, silently
            for r in range(R):
                one_run(r, zero, sums, offsets, theta0[r].tolist(), rates[r if len(rates) > 1 else 0],
                        float(loss_scale), keep_path, path, loss, diverged, rule)
    except (ArithmeticError, ValueError):
        return None
    return path, loss, diverged


_LISTS: list = []
"""The last few streams' rows as Python lists, with the bits they came from: [(X bits, y bits, rows, ys)]."""


def _as_lists(X, y) -> tuple[list, list]:
    """X's rows and y as Python floats; a slider move runs the same data again, so the last streams' lists are kept
    (at most three; the plain loop only takes small runs) and reused where the data is the same, bit for bit."""
    bits = np.ascontiguousarray(X).view(np.uint64), np.ascontiguousarray(y).view(np.uint64)
    for old_x, old_y, rows, ys in _LISTS:
        if old_x.shape == bits[0].shape and old_y.shape == bits[1].shape and np.array_equal(old_x, bits[0]) \
                and np.array_equal(old_y, bits[1]):
            return rows, ys
    rows, ys = X.tolist(), y.tolist()
    _LISTS[:] = [(bits[0].copy(), bits[1].copy(), rows, ys), *_LISTS[:2]]
    return rows, ys


WIDE = 24
"""Batches of at least this many examples are summed by numpy (a few calls a step), smaller ones in Python."""


def _python_sums(rows, ys, offsets, zero):
    """``sums(t, th)``: (Σ res², [Σ res·x_j …, Σ res]) over step t's batch, one example after the other from
    ``zero``, as the compiled loop adds them."""
    def one_input(t, th):
        total = g0 = g1 = zero
        w, b = th
        a, e = offsets[t], offsets[t + 1]
        for (x,), yi in zip(rows[a:e], ys[a:e], strict=True):
            res = (b - yi) + x * w
            total += res * res
            g0 += res * x
            g1 += res
        return total, [g0, g1]

    def two_inputs(t, th):
        total = g0 = g1 = g2 = zero
        w0, w1, b = th
        a, e = offsets[t], offsets[t + 1]
        for (x0, x1), yi in zip(rows[a:e], ys[a:e], strict=True):
            res = ((b - yi) + x0 * w0) + x1 * w1
            total += res * res
            g0 += res * x0
            g1 += res * x1
            g2 += res
        return total, [g0, g1, g2]

    def any_inputs(t, th):
        d = len(th) - 1
        total = zero
        grad = [zero] * (d + 1)
        for i in range(offsets[t], offsets[t + 1]):
            x = rows[i]
            res = th[d] - ys[i]
            for j in range(d):
                res += x[j] * th[j]
            total += res * res
            for j in range(d):
                grad[j] += res * x[j]
            grad[d] += res
        return total, grad

    d = len(rows[0])
    return one_input if d == 1 else two_inputs if d == 2 else any_inputs


def _numpy_sums(X, y, offsets, zero):
    """:func:`_python_sums` by numpy for wide batches: the residuals element by element in the compiled loop's
    order, and the sums by ``cumsum`` (sequential, where ``sum`` would add pairwise); started from ``zero``, the
    last partial sum is ``cumsum[-1] + zero`` (−0.0 adds nothing; +0.0 only turns an all-zero −0.0 into +0.0)."""
    d = X.shape[1]
    columns = [np.ascontiguousarray(X[:, j]) for j in range(d)]

    def sums(t, th):
        a, e = offsets[t], offsets[t + 1]
        res = th[d] - y[a:e]
        for j in range(d):
            res += columns[j][a:e] * th[j]
        Z = np.empty((e - a, d + 2))
        np.multiply(res[:, None], X[a:e], out=Z[:, :d])
        Z[:, d] = res
        np.multiply(res, res, out=Z[:, d + 1])
        acc = (np.cumsum(Z, axis=0)[-1] + zero).tolist()
        return acc[d + 1], acc[:d + 1]

    return sums


def one_run(r, zero, sums, offsets, th, rates, loss_scale, keep_path, path, loss, diverged, rule: Rule) -> None:
    """Run ``r``: the body of the compiled loop's ``for r`` (names as there)."""
    P = len(th)
    T = len(rates)
    two_s = loss_scale * 2
    vel = [zero] * P
    sq = [zero] * P
    beta = float(rule.momentum[r])
    lam = float(rule.weight_decay[r])
    b1 = float(rule.beta1[r])
    b2 = float(rule.beta2[r])
    eps = float(rule.eps[r])
    code = ("sgd", "nesterov", "adam").index(rule.kind)
    plain = code == 0 and beta == 0
    lr_in_velocity = rule.lr_in_velocity
    decay_after = rule.velocity_decay_after_step
    pow1 = b1 ** rule.adam_step_offset
    pow2 = b2 ** rule.adam_step_offset
    losses = [0.0] * T
    thetas = []
    stop = 0
    for t in range(T):
        n = offsets[t + 1] - offsets[t]
        total, grad = sums(t, th)
        step_loss = loss_scale * total / n
        eta = rates[t]
        finite = math.isfinite(step_loss)
        if plain and lam == 0:
            rate = two_s * eta / n
            th = [th[j] - rate * grad[j] for j in range(P)]
        elif plain:
            scale = two_s / n
            th = [th[j] - eta * (scale * grad[j] + lam * th[j]) for j in range(P)]
        elif code == 2:
            pow1 *= b1
            pow2 *= b2
            root = math.sqrt(1.0 - pow2)
            factor = eta * (root / (1.0 - pow1))
            ep = eps * root if rule.adam_eps_corrected else eps
            scale = two_s / n
            th = list(th)
            for j in range(P):
                g = scale * grad[j] + lam * th[j]
                vel[j] = b1 * vel[j] + (1.0 - b1) * g
                sq[j] = b2 * sq[j] + (1.0 - b2) * g * g
                th[j] -= factor * (vel[j] / (math.sqrt(sq[j]) + ep))
        else:
            th = list(th)
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
        for v in th:
            finite = finite and math.isfinite(v)
        if not finite:
            stop = t + 1
            break
        losses[t] = step_loss
        if keep_path:
            thetas.append(th)
    diverged[r] = stop
    done = stop - 1 if stop else T
    loss[r, :done] = losses[:done]
    loss[r, done:] = np.nan
    if keep_path:
        if thetas:
            path[r, 1:len(thetas) + 1] = thetas
        path[r, len(thetas) + 1:] = np.nan
    else:
        path[r, 1] = np.nan if stop else th
