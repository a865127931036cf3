"""Minibatch SGD for a linear model on a stream of batches, for many runs at once.

For squared loss one step is affine in θ:

    θ ← θ − 2·s·η_t · (G_t θ − h_t),    G_t = mean x̃x̃ᵀ,  h_t = mean x̃·y  over the batch

(x̃ = [x, 1], s the recipe's loss scale). Two ways compute it, both exact:

* ``compiled``: a numba loop over runs, steps and examples (fast for any number of runs;
  used when numba is installed);
* ``vectorized``: pure numpy (or cupy) from per-step batch statistics. A few runs are
  split into chunks of steps whose affine maps are composed in parallel, so a 25,000-step
  run costs a few hundred numpy calls rather than 25,000; many runs step together.

A run that produces a non-finite loss or θ stops there: that step and every later one
are NaN, and ``diverged_at`` is the step's 1-based number (0 when it never diverged).
"""

from __future__ import annotations

import math

import numpy as np

METHODS = ("auto", "compiled", "vectorized")


def numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def simulate(X, y, batch_sizes, theta0, lr, loss_scale, *, xp=np, method="auto", keep_path=True):
    """Run SGD on one stream for R runs.

    ``X`` (S, d), ``y`` (S,), ``batch_sizes`` (T,), ``theta0`` (R, P), ``lr`` (R, T), all of
    ``xp`` arrays of one float dtype. Returns ``theta`` (R, T+1, P) — or (R, 2, P), the first
    and last, when ``keep_path`` is false — ``loss`` (R, T) and ``diverged_at`` (R,).
    """
    method = resolve_method(method, xp)
    if method == "compiled":
        if xp is not np:
            raise ValueError("the compiled method runs on numpy arrays only")
        from ._compiled import sgd_loop

        return sgd_loop(X, y, batch_sizes, theta0, lr, loss_scale, keep_path)
    return _vectorized(xp, X, y, batch_sizes, theta0, lr, loss_scale, keep_path)


def resolve_method(method: str, xp=np) -> str:
    """The method ``auto`` stands for: compiled on numpy when numba is installed, else vectorized."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "auto":
        return "compiled" if xp is np and numba_available() else "vectorized"
    return method


def workspace_bytes(S: int, d: int, T: int, R: int, *, method: str, itemsize: int, keep_path: bool) -> int:
    """An upper estimate of what :func:`simulate` allocates for R runs over S examples in T steps (Python ints)."""
    P = d + 1
    rows = T + 1 if keep_path else 2
    out = R * (rows * P + 2 * T)  # θ path and loss (and the learning rates, made contiguous)
    if method == "compiled":
        work = 0  # reads the stream in place (the caller counts a copy in another dtype)
    else:  # [x, 1, y] rows, their gathered batches, per-step statistics (and, for few runs, the step maps)
        work = 2 * S * (d + 2) + T * (d + 2) ** 2
        if R <= 16 and T >= 64:  # _chunked composes every step's affine map
            work += R * T * (P * P + 3 * P)
    return itemsize * (out + work)


def batch_statistics(xp, X, y, batch_sizes):
    """Per-step G (T, P, P), h (T, P) and mean y² (T,) of each batch.

    Steps are grouped by batch size (a dataset's epochs end in one smaller batch), and each
    group's sums of outer products of [x, 1, y] come from one einsum.
    """
    sizes = np.asarray(batch_sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    S, d = X.shape
    Z = xp.concatenate([X, xp.ones((S, 1), dtype=X.dtype), y[:, None]], axis=1)
    sums = xp.empty((len(sizes), d + 2, d + 2), dtype=X.dtype)
    for size in np.unique(sizes):
        steps = np.flatnonzero(sizes == size)
        if len(steps) == len(sizes):
            batches = Z.reshape(len(sizes), size, d + 2)
        else:
            batches = Z[xp.asarray(starts[steps][:, None] + np.arange(size))]
        sums[xp.asarray(steps)] = xp.einsum("tbp,tbq->tpq", batches, batches, optimize=True) / size
    P = d + 1
    return sums[:, :P, :P], sums[:, :P, P], sums[:, P, P]


def _vectorized(xp, X, y, batch_sizes, theta0, lr, loss_scale, keep_path):
    G, h, yy = batch_statistics(xp, X, y, xp.asarray(batch_sizes))
    R, P = theta0.shape
    T = lr.shape[1]
    c = (2 * loss_scale) * lr  # (R, T)
    with np.errstate(all="ignore"):
        if R <= 16 and T >= 64:
            path = _chunked(xp, G, h, c, theta0)
            loss = _loss(xp, path[:, :-1], G, h, yy, loss_scale)
            bad = _first_true(xp, ~xp.isfinite(path[:, 1:]).all(axis=2))
            if not keep_path:
                path = path[:, [0, T]]
        else:
            path, loss, bad = _stepwise(xp, G, h, yy, c, theta0, loss_scale, keep_path)
    return stop_at_divergence(xp, path, loss, bad, keep_path)


def _loss(xp, theta, G, h, yy, loss_scale):
    """The minibatch loss of each step at the θ it starts from, from the batch statistics."""
    quad = xp.einsum("...p,...pq,...q->...", theta, G, theta)
    return loss_scale * (quad - 2 * xp.einsum("...p,...p->...", theta, h) + yy)


def _first_true(xp, flags):
    """1-based index of the first True along the last axis, T + 1 where there is none."""
    T = flags.shape[-1]
    return xp.where(flags.any(axis=-1), flags.argmax(axis=-1) + 1, T + 1)


def stop_at_divergence(xp, path, loss, theta_bad, keep_path):
    """NaN from the first step whose loss or θ is not finite; that step's number, or 0."""
    T = loss.shape[1]
    step = xp.minimum(_first_true(xp, ~xp.isfinite(loss)), theta_bad)
    steps = xp.arange(1, T + 1)
    loss = xp.where(steps[None, :] >= step[:, None], xp.nan, loss)
    rows = xp.arange(path.shape[1]) if keep_path else xp.asarray([0, T])
    path = xp.where((rows[None, :] >= step[:, None])[..., None], xp.nan, path)
    return path, loss, xp.where(step > T, 0, step)


def _stepwise(xp, G, h, yy, c, theta0, loss_scale, keep_path):
    """One numpy step for all runs at a time: good when there are many runs."""
    R, P = theta0.shape
    T = c.shape[1]
    th = theta0.copy()
    out = xp.empty((R, T + 1 if keep_path else 2, P), dtype=theta0.dtype)
    out[:, 0] = th
    loss = xp.empty((R, T), dtype=theta0.dtype)
    bad = xp.full(R, T + 1)
    for t in range(T):
        loss[:, t] = _loss(xp, th, G[t], h[t], yy[t], loss_scale)
        th = th - c[:, t, None] * (th @ G[t] - h[t])
        if keep_path:
            out[:, t + 1] = th
        else:
            bad = xp.where((bad > T) & ~xp.isfinite(th).all(axis=1), t + 1, bad)
    if keep_path:
        bad = _first_true(xp, ~xp.isfinite(out[:, 1:]).all(axis=2))
    else:
        out[:, 1] = th
    return out, loss, bad


def _chunked(xp, G, h, c, theta0):
    """Compose the affine step maps chunk by chunk, in parallel over chunks (few runs)."""
    R, P = theta0.shape
    T = c.shape[1]
    eye = xp.eye(P, dtype=theta0.dtype)
    K = max(1, round(math.sqrt(2 * T)))
    L = -(-T // K)
    pad = K * L - T
    c = xp.concatenate([c, xp.zeros((R, pad), dtype=c.dtype)], axis=1)  # padded steps do nothing
    G = xp.concatenate([G, xp.zeros((pad, P, P), dtype=G.dtype)])
    h = xp.concatenate([h, xp.zeros((pad, P), dtype=h.dtype)])
    M = eye - c[:, :, None, None] * G  # (R, K·L, P, P)
    v = c[:, :, None] * h  # (R, K·L, P)
    M = M.reshape(R, K, L, P, P)
    v = v.reshape(R, K, L, P)
    # 1. each chunk's composed map θ_end = Mc θ_start + vc
    Mc = xp.broadcast_to(eye, (R, K, P, P))
    vc = xp.zeros((R, K, P), dtype=M.dtype)
    for j in range(L):
        Mc = M[:, :, j] @ Mc
        vc = (M[:, :, j] @ vc[..., None])[..., 0] + v[:, :, j]
    # 2. the start of every chunk, one chunk after the other
    starts = xp.empty((R, K, P), dtype=M.dtype)
    starts[:, 0] = theta0
    for k in range(1, K):
        starts[:, k] = (Mc[:, k - 1] @ starts[:, k - 1, :, None])[..., 0] + vc[:, k - 1]
    # 3. every step inside the chunks, all chunks at once
    out = xp.empty((R, K, L, P), dtype=M.dtype)
    th = starts
    for j in range(L):
        th = (M[:, :, j] @ th[..., None])[..., 0] + v[:, :, j]
        out[:, :, j] = th
    path = out.reshape(R, K * L, P)[:, :T]
    return xp.concatenate([theta0[:, None], path], axis=1)
