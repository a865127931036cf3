"""Minibatch SGD (and momentum, Nesterov, Adam: :mod:`.optim`) for a linear model on a stream of batches,
for many runs at once.

For squared loss the gradient is affine in θ, and so is one plain SGD step:

    θ ← θ − 2·s·η_t · (G_t θ − h_t),    G_t = mean x̃x̃ᵀ,  h_t = mean x̃·y  over the batch

(x̃ = [x, 1], s the recipe's loss scale); with weight decay λ the gradient gains λθ, and with momentum the
step is affine in the state [θ, v]. Two ways compute it, both exact:

* ``compiled``: a numba loop over runs, steps and examples (fast for any number of runs;
  used when numba is installed);
* ``vectorized``: pure numpy (or cupy) from per-step batch statistics. A few runs are
  split into chunks of steps whose affine maps are composed in parallel, so a 25,000-step
  run costs a few hundred numpy calls rather than 25,000; many runs step together, and so does
  Adam (its step is not affine).

A run that produces a non-finite loss or θ stops there: that step and every later one
are NaN, and ``diverged_at`` is the step's 1-based number (0 when it never diverged).
"""

from __future__ import annotations

import functools
import importlib.util
import math

import numpy as np

from . import plain_loop
from .optimizers import Rule, adam_factors
from .scan import affine_path, plain_path
from .stream_stats import batch_statistics, statistics

METHODS = ("auto", "compiled", "vectorized")


@functools.cache
def numba_available() -> bool:
    """Whether numba is installed (found, not imported: importing it costs a kernel about 110 MB); asked once."""
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):
        return False


def simulate(X, y, batch_sizes, theta0, lr, loss_scale, *, xp=np, method="auto", keep_path=True,
             rule: Rule | None = None, index=None):
    """Run SGD (or the update ``rule``: :class:`~regress_widgets.engine.optimizers.Rule`, default plain SGD) on one
    stream for
    R runs.

    ``X`` (S, d), ``y`` (S,), ``batch_sizes`` (T,), ``theta0`` (R, P), ``lr`` (R, T) — or (1, T), one schedule
    for all runs — all of ``xp`` arrays of one float dtype. Returns ``theta`` (R, T+1, P) — or (R, 2, P), the first
    and last, when ``keep_path`` is false — ``loss`` (R, T) and ``diverged_at`` (R,).

    ``index`` (S,): the stream is rows ``index`` of ``X`` and ``y`` (a dataset in the order SGD visits it); the
    compiled loop reads the rows in place instead of gathering them first: the same numbers.
    """
    asked = method
    method = resolve_method(method, xp)
    rule = Rule.plain(theta0.shape[0]) if rule is None else rule
    if asked == "auto" and xp is np and plain_loop.fits(X, theta0, lr, batch_sizes):
        out = plain_loop.sgd_loop(X, y, batch_sizes, theta0, lr, loss_scale, keep_path, rule, index)
        if out is not None:  # the compiled loop's numbers, without importing numba for a small run
            return out
        if method != "compiled":
            return _vectorized(xp, *_rows(xp, X, y, index), batch_sizes, theta0, lr, loss_scale, keep_path, rule)
    elif asked == "auto" and xp is np and scan_fits(X, theta0, lr, rule, batch_sizes):
        out = _scanned(X, y, batch_sizes, theta0, lr, loss_scale, keep_path, rule, index)
        if out is None:  # not finite everywhere: step by step, where it diverges (the compiled loop's numbers)
            out = plain_loop.sgd_loop(X, y, batch_sizes, theta0, lr, loss_scale, keep_path, rule, index)
        if out is not None:
            return out
    if method == "compiled":
        if xp is not np:
            raise ValueError("the compiled method runs on numpy arrays only")
        from .compiled import sgd_loop

        return sgd_loop(X, y, batch_sizes, theta0, lr, loss_scale, keep_path, rule, index)
    return _vectorized(xp, *_rows(xp, X, y, index), batch_sizes, theta0, lr, loss_scale, keep_path, rule)


SCAN_STEPS = 400_000
"""At most this many steps (all runs together) are run by the scan (:mod:`.scan`: about 60 doubles a step), more
by the compiled loop."""
SCAN_NUMBERS = 1_000_000
"""... and streams of at most this many numbers as [x, 1, y] rows (8 MB; MXNet's tutorial: 400,000): the scan sums
each batch from a copy of its rows, where the compiled loop reads the data in place (a big CSV goes there)."""


def scan_fits(X, theta0, lr, rule: Rule, batch_sizes) -> bool:
    """Whether this run is one for the scan: a few float64 runs of an affine rule (plain SGD, momentum; not Adam),
    long enough that Python's loop would be slow, short enough for the scan's memory."""
    R, T = theta0.shape[0], lr.shape[1]
    return (isinstance(X, np.ndarray) and X.dtype == np.float64 and theta0.dtype == np.float64 and rule.affine
            and R <= 16 and T >= 64 and R * T <= SCAN_STEPS
            and int(np.sum(batch_sizes)) * (X.shape[1] + 2) <= SCAN_NUMBERS)


def _scanned(X, y, batch_sizes, theta0, lr, loss_scale, keep_path, rule, index):
    """A few runs by the scan (:mod:`.scan`), from the stream's batch statistics (kept: :mod:`.stream_stats`):
    θ to rounding (about 1e-13 of MXNet's tutorial), numba never imported. None where the path or the loss is not
    finite, or is on its way there (|θ| over 1e100): a diverging run is for a step-by-step loop to stop."""
    stats = statistics(X, y, batch_sizes, index)
    R, P = theta0.shape
    T = lr.shape[1]
    lr = np.broadcast_to(lr, (R, T))
    with np.errstate(all="ignore"), stats.lock:
        if rule.kind == "sgd" and not rule.has_velocity:
            path = plain_path(stats.rows(loss_scale), lr, theta0, rule.weight_decay, stats.work)
        else:
            M, o = step_maps(np, stats.G, stats.h, lr, loss_scale, rule)
            z0 = theta0 if M.shape[-1] == P else np.concatenate([theta0, np.zeros_like(theta0)], axis=1)
            path = affine_path(M, o, z0)[..., :P]
        loss = stats.loss(path[:, :-1], loss_scale)
        if not (np.abs(path).max() < 1e100 and np.isfinite(loss).all()):
            return None
    return (path if keep_path else path[:, [0, T]]), loss, np.zeros(R, dtype=np.int64)


def _rows(xp, X, y, index):
    if index is None:
        return X, y
    index = xp.asarray(index)
    return X[index], y[index]


def resolve_method(method: str, xp=np) -> str:
    """The method ``auto`` stands for: compiled on numpy when numba is installed, else vectorized."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "auto":
        return "compiled" if xp is np and numba_available() else "vectorized"
    return method


def workspace_bytes(S: int, d: int, T: int, R: int, *, method: str, itemsize: int, keep_path: bool,
                    state: int = 1) -> int:
    """An upper estimate of what :func:`simulate` allocates for R runs over S examples in T steps (Python ints);
    ``state``: vectors of P numbers each run carries (1: θ; 2: θ and a velocity; 3: Adam's θ, m and s)."""
    P = d + 1
    Q = state * P
    rows = T + 1 if keep_path else 2
    out = R * (rows * P + 2 * T)  # θ path and loss (and the learning rates, made contiguous)
    if method == "compiled":
        work = 0  # reads the stream in place (the caller counts a copy in another dtype)
    else:  # [x, 1, y] rows, their gathered batches, per-step statistics (and, for few runs, the step maps)
        work = 2 * S * (d + 2) + T * (d + 2) ** 2
        if R <= 16 and T >= 64 and state < 3:  # _chunked composes every step's affine map
            work += R * T * (Q * Q + 3 * Q)
        else:
            work += 4 * R * Q
    return itemsize * (out + work)


def _vectorized(xp, X, y, batch_sizes, theta0, lr, loss_scale, keep_path, rule):
    G, h, yy = batch_statistics(xp, X, y, xp.asarray(batch_sizes))
    R, P = theta0.shape
    T = lr.shape[1]
    lr = xp.broadcast_to(lr, (R, T))  # one schedule for all runs: a view
    with np.errstate(all="ignore"):
        if R <= 16 and T >= 64 and rule.affine:
            path = _chunked(xp, G, h, lr, loss_scale, theta0, rule)
            loss = _loss(xp, path[:, :-1], G, h, yy, loss_scale)
            bad = _first_true(xp, ~xp.isfinite(path[:, 1:]).all(axis=2))
            if not keep_path:
                path = path[:, [0, T]]
        else:
            path, loss, bad = _stepwise(xp, G, h, yy, lr, theta0, loss_scale, keep_path, rule)
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


def _stepwise(xp, G, h, yy, lr, theta0, loss_scale, keep_path, rule):
    """One numpy step for all runs at a time: good when there are many runs (and for Adam)."""
    R, P = theta0.shape
    T = lr.shape[1]
    dtype = theta0.dtype

    def col(a):
        return xp.asarray(a, dtype=dtype)[:, None]

    beta, lam, b1, b2 = col(rule.momentum), col(rule.weight_decay), col(rule.beta1), col(rule.beta2)
    c1, c2 = 1 - b1, 1 - b2
    decay = bool((rule.weight_decay != 0).any())
    plain = rule.kind == "sgd" and not rule.has_velocity
    nesterov = rule.kind == "nesterov"
    adam = rule.kind == "adam"
    if adam and R * T <= 2**22:  # every step's bias corrections at once (else one step at a time)
        factors, epsilons = (xp.asarray(a, dtype=dtype) for a in adam_factors(rule, np.arange(1, T + 1)[None]))
    th = theta0.copy()
    v = xp.zeros_like(th)  # velocity, or Adam's m
    sq = xp.zeros_like(th)  # Adam's s
    out = xp.empty((R, T + 1 if keep_path else 2, P), dtype=dtype)
    out[:, 0] = th
    loss = xp.empty((R, T), dtype=dtype)
    bad = xp.full(R, T + 1)
    two_s = 2 * loss_scale
    for t in range(T):
        if not keep_path:  # else all at once from the path, below
            loss[:, t] = _loss(xp, th, G[t], h[t], yy[t], loss_scale)
        eta = lr[:, t, None]
        gd = two_s * (th @ G[t] - h[t])
        g = gd + lam * th if decay else gd
        if plain:
            th = th - eta * g
        elif adam:
            if R * T <= 2**22:
                factor, eps = factors[:, t, None], epsilons[:, t, None]
            else:
                factor, eps = (col(a) for a in adam_factors(rule, t + 1))
            v = b1 * v + c1 * g
            sq = b2 * sq + c2 * (g * g)
            th = th - (eta * factor) * (v / (xp.sqrt(sq) + eps))
        else:
            a, b = (eta, 1) if rule.lr_in_velocity else (1, eta)
            new_v = beta * v + a * g
            th = th - b * (a * g + beta * new_v if nesterov else new_v)
            v = beta * v + a * (gd + lam * th) if nesterov and rule.velocity_decay_after_step else new_v
        if keep_path:
            out[:, t + 1] = th
        else:
            bad = xp.where((bad > T) & ~xp.isfinite(th).all(axis=1), t + 1, bad)
    if keep_path:
        loss = _loss(xp, out[:, :-1], G, h, yy, loss_scale)
        bad = _first_true(xp, ~xp.isfinite(out[:, 1:]).all(axis=2))
    else:
        out[:, 1] = th
    return out, loss, bad


def step_maps(xp, G, h, lr, loss_scale, rule):
    """Every step as an affine map of the state z = θ (plain SGD) or [θ, v] (momentum): z ← M z + o.

    With A = 2s·G + λI and c = 2s·h the gradient is g = Aθ − c; a = η, b = 1 when lr sits in the velocity, else
    a = 1, b = η (ab = η): v' = βv + a·g, and θ' = θ − b·v' (heavy ball) or θ' = θ − b·(a·g + β·v') (Nesterov).
    Returns M (R, T, Q, Q) and o (R, T, Q)."""
    T, P = h.shape
    R = lr.shape[0]
    dtype = G.dtype

    def col(a):
        return xp.asarray(a, dtype=dtype)[:, None, None, None]

    eye = xp.eye(P, dtype=dtype)
    lam = col(rule.weight_decay)
    D = (2 * loss_scale) * G[None]  # (1, T, P, P)
    A = D + lam * eye if bool((rule.weight_decay != 0).any()) else D
    c = (2 * loss_scale) * h[None]  # (1, T, P)
    eta = lr[:, :, None, None]
    if not rule.has_velocity:
        return eye - eta * A, eta[..., 0] * c
    beta = col(rule.momentum)
    nesterov = rule.kind == "nesterov"
    k1 = 1 + beta if nesterov else 1.0  # θ' = (I − η·k1·A)θ − b·k2·v + η·k1·c
    k2 = beta * beta if nesterov else beta
    a, b = (eta, 1.0) if rule.lr_in_velocity else (1.0, eta)
    M = xp.empty((R, T, 2 * P, 2 * P), dtype=dtype)  # the four blocks written in place: no concatenations
    o = xp.empty((R, T, 2 * P), dtype=dtype)
    Mtt, Mtv, Mvt, Mvv = M[..., :P, :P], M[..., :P, P:], M[..., P:, :P], M[..., P:, P:]
    Mtt[...] = eye - (eta * k1) * A
    Mtv[...] = -(b * k2) * eye
    o[..., :P] = (eta * k1)[..., 0] * c
    ac = -(a if np.isscalar(a) else a[..., 0]) * c
    if nesterov and rule.velocity_decay_after_step:  # v' = βv + a·(Dθ − c) + a·λ·θ'
        al = a * lam
        Mvt[...] = a * D + al * Mtt
        Mvv[...] = beta * eye + al * Mtv
        o[..., P:] = ac + al[..., 0] * o[..., :P]
    else:  # v' = βv + a·(Aθ − c)
        Mvt[...] = a * A
        Mvv[...] = beta * eye
        o[..., P:] = ac
    return M, o


def _chunked(xp, G, h, lr, loss_scale, theta0, rule):
    """Compose the affine step maps chunk by chunk, in parallel over chunks (few runs); θ's path (R, T+1, P)."""
    R, P = theta0.shape
    T = lr.shape[1]
    M, v = step_maps(xp, G, h, lr, loss_scale, rule)
    Q = M.shape[-1]
    z0 = theta0 if Q == P else xp.concatenate([theta0, xp.zeros_like(theta0)], axis=1)
    eye = xp.eye(Q, dtype=theta0.dtype)
    K = max(1, round(math.sqrt(2 * T)))
    L = -(-T // K)
    pad = K * L - T
    M = xp.concatenate([M, xp.broadcast_to(eye, (R, pad, Q, Q))], axis=1)  # padded steps do nothing
    v = xp.concatenate([v, xp.zeros((R, pad, Q), dtype=v.dtype)], axis=1)
    M = M.reshape(R, K, L, Q, Q)
    v = v.reshape(R, K, L, Q)
    # 1. each chunk's composed map z_end = Mc z_start + vc
    Mc = xp.broadcast_to(eye, (R, K, Q, Q))
    vc = xp.zeros((R, K, Q), dtype=M.dtype)
    for j in range(L):
        Mc = M[:, :, j] @ Mc
        vc = (M[:, :, j] @ vc[..., None])[..., 0] + v[:, :, j]
    # 2. the start of every chunk, one chunk after the other
    starts = xp.empty((R, K, Q), dtype=M.dtype)
    starts[:, 0] = z0
    for k in range(1, K):
        starts[:, k] = (Mc[:, k - 1] @ starts[:, k - 1, :, None])[..., 0] + vc[:, k - 1]
    # 3. every step inside the chunks, all chunks at once
    out = xp.empty((R, K, L, P), dtype=M.dtype)
    z = starts
    for j in range(L):
        z = (M[:, :, j] @ z[..., None])[..., 0] + v[:, :, j]
        out[:, :, j] = z[..., :P]
    path = out.reshape(R, K * L, P)[:, :T]
    return xp.concatenate([theta0[:, None], path], axis=1)
