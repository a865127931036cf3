"""A run's whole path from its affine steps, in numpy and in a few hundred calls: :func:`affine_path`.

Plain SGD (and momentum, in the state [θ, v]) on squared loss moves by an affine map a step: z ← M_t z + o_t. A
run of T steps is a chain of T maps, and numpy is slow at chains: one call a step costs microseconds, and MXNet's
tutorial has 25,000 steps. So the chain is cut in three levels, about ∛T long each (T = K₁·K₂·L):

1. the maps of every chunk of L steps are composed, all chunks at once, one step after the other: L numpy calls
   give each chunk's map after each of its steps; then the same over each block of K₂ chunks (K₂ calls);
2. the state at each block's start, one block after the other (K₁ small calls);
3. the state at each chunk's start (its block's start through the block's maps so far), then after every step
   (its chunk's start through the chunk's maps so far): one numpy call each, every chunk at once.

About 3∛T sequential calls (about 90 for MXNet's tutorial): its 25,000 steps and their losses in about 2 ms where a
compiled loop takes 0.4 ms, and no numba in the student's kernel (about 110 MB, and a cache load or a compile on
the first run). The numbers are the run's own to rounding: composing maps adds the same products in another order
(about 1e-13 on MXNet's θ). Where a step overflows, a composed map may too, before the step that would: a path
that is not finite everywhere is for the caller to run again step by step (:func:`regress_widgets.engine.sgd.simulate`
does).
"""

from __future__ import annotations

import numpy as np


def sizes(T: int) -> tuple[int, int, int]:
    """(K1, K2, L): blocks, chunks a block and steps a chunk for a chain of T steps (padded to K1·K2·L); L and K2 a
    power of two near ∛T."""
    L = 2 ** max(0, round(np.log2(max(T, 1)) / 3))
    return -(-T // (L * L)), L, L


def as_rows(a, T: int, R: int = 1, fill=0.0):
    """Per-step arrays ``a`` (R, T, …) padded with ``fill`` (steps that do nothing) and laid out for the scan:
    (L, …, R·K1·K2), step j of every chunk in one contiguous row."""
    K1, K2, L = sizes(T)
    pad = K1 * K2 * L - T
    if pad:
        a = np.concatenate([a, np.broadcast_to(np.asarray(fill, dtype=a.dtype), (R, pad, *a.shape[2:]))], axis=1)
    a = a.reshape(R * K1 * K2, L, *a.shape[2:])
    return np.ascontiguousarray(np.moveaxis(a, 0, -1))


def affine_path(M, o, z0):
    """The states of R chains z_{t+1} = M_t z_t + o_t: ``M`` (R, T, Q, Q) — or (1, T, Q, Q), one chain of maps for
    all — ``o`` (R or 1, T, Q), ``z0`` (R, Q); returns (R, T + 1, Q), ``z0`` first. numpy float arrays."""
    R, Q = z0.shape
    T = M.shape[1]
    step_M = as_rows(np.broadcast_to(M, (R, T, Q, Q)), T, R, fill=np.eye(Q))
    return path_from_rows(step_M, as_rows(np.broadcast_to(o, (R, T, Q)), T, R), z0, T)


def fresh(name: str, shape: tuple, dtype=np.float64):
    """A new array: the workspace of a call that keeps none (see :class:`Workspace`)."""
    return np.empty(shape, dtype=dtype)


class Workspace:
    """Arrays kept from one run to the next, by name: a scan's temporaries are a few MB each, and memory that numpy
    asks of the system afresh each time costs more page faults than the scan costs arithmetic (2.3 against 5.6 ms
    for MXNet's tutorial). Not for two threads at once: its owner locks it
    (:class:`regress_widgets.engine.stream_stats.Statistics`)."""

    def __init__(self):
        self.arrays: dict = {}

    def __call__(self, name: str, shape: tuple, dtype=np.float64):
        a = self.arrays.get(name)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = self.arrays[name] = np.empty(shape, dtype=dtype)
        return a

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays.values())


def path_from_rows(step_M, step_o, z0, T: int, work=fresh):
    """:func:`affine_path` of maps already laid out by :func:`as_rows` (the identity where padded); ``work`` gives
    the temporaries (a :class:`Workspace`, or new arrays)."""
    R, Q = z0.shape
    K1, K2, L = sizes(T)
    N = R * K1 * K2
    # 1. every chunk's maps composed, after each of its steps; then every block's chunks, after each chunk
    in_chunk = _partials(step_M, step_o, work("chunk M", step_M.shape), work("chunk o", step_o.shape))
    chunks = (np.ascontiguousarray(in_chunk[0][-1].reshape(Q, Q, R * K1, K2).transpose(3, 0, 1, 2)),
              np.ascontiguousarray(in_chunk[1][-1].reshape(Q, R * K1, K2).transpose(2, 0, 1)))
    in_block = _partials(*chunks, np.empty_like(chunks[0]), np.empty_like(chunks[1]))  # (K2, Q, Q, R·K1), …
    blocks = in_block[0][-1].reshape(Q, Q, R, K1), in_block[1][-1].reshape(Q, R, K1)
    # 2. each block's start, one block after the other (all runs at once)
    block_start = np.empty((Q, R, K1), dtype=z0.dtype)
    z = z0.T
    for k in range(K1):
        block_start[..., k] = z
        z = _apply(blocks[0][..., k], blocks[1][..., k], z)
    block_start = block_start.reshape(Q, R * K1)
    # 3. each chunk's start from its block's, then each step's state from its chunk's start: all at once
    chunk_start = np.empty((K2, Q, R * K1), dtype=z0.dtype)
    chunk_start[0] = block_start
    chunk_start[1:] = _apply(in_block[0][:-1], in_block[1][:-1], block_start)
    chunk_start = chunk_start.reshape(K2, Q, R, K1).transpose(1, 2, 3, 0).reshape(Q, N)
    states = _apply(*in_chunk, chunk_start, work("states", step_o.shape))  # (L, Q, N): after step j of each chunk
    path = np.empty((R, T + 1, Q), dtype=z0.dtype)
    path[:, 0] = z0
    by_run = states.reshape(L, Q, R, K1 * K2).transpose(2, 3, 0, 1)  # (R, K1·K2, L, Q)
    whole, part = divmod(T, L)
    path[:, 1:1 + whole * L].reshape(R, whole, L, Q)[...] = by_run[:, :whole]
    if part:
        path[:, 1 + whole * L:] = by_run[:, whole, :part]
    return path


def _partials(M, o, PM, Po):
    """n affine maps z ← M z + o of N chains each (``M`` (n, Q, Q, N), ``o`` (n, Q, N)), composed from the first up
    to each one, into ``PM`` and ``Po`` (the same shapes; the last the whole chain's)."""
    PM[0], Po[0] = M[0], o[0]
    for j in range(1, len(M)):  # (M', o') ∘ (M, o) = (M'M, M'o + o')
        np.einsum("ikn,kcn->icn", M[j], PM[j - 1], out=PM[j])
        np.einsum("ikn,kn->in", M[j], Po[j - 1], out=Po[j])
        Po[j] += o[j]
    return PM, Po


def _apply(M, o, z, out=None):
    """Maps (``M`` (…, Q, Q, N), ``o`` (…, Q, N)) applied to states ``z`` (Q, N): (…, Q, N)."""
    out = np.einsum("...ikn,kn->...in", M, z, out=out)
    out += o
    return out


def plain_path(rows, lr, theta0, weight_decay, work=fresh):
    """Plain SGD's path from a stream's ``rows`` (:meth:`regress_widgets.engine.stream_stats.Statistics.rows`: 2s·G
    and 2s·h laid out for the scan): θ ← θ − η_t·((2s·G_t + λI)θ − 2s·h_t), the very expressions of
    :func:`regress_widgets.engine.sgd.step_maps`. ``lr`` (R, T), ``theta0`` (R, P), ``weight_decay`` (R,);
    returns (R, T + 1, P). ``work``: as for :func:`path_from_rows`."""
    A, c = rows
    R, P = theta0.shape
    T = lr.shape[1]
    eye = np.eye(P, dtype=A.dtype)[..., None]
    path = np.empty((R, T + 1, P), dtype=theta0.dtype)
    step_M, step_o = work("step M", A.shape), work("step o", c.shape)
    for r in range(R):
        eta = as_rows(lr[r][None, :, None], T)[:, 0]  # (L, K1·K2); 0 where padded: the identity
        lam = float(weight_decay[r])
        np.multiply(eta[:, None, None], A + lam * eye if lam else A, out=step_M)
        np.subtract(eye, step_M, out=step_M)
        np.multiply(eta[:, None], c, out=step_o)
        path[r] = path_from_rows(step_M, step_o, theta0[r:r + 1], T, work)[0]
    return path
