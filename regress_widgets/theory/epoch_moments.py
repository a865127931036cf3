"""The exact second moment of one shuffled epoch: the epoch maps by numpy, or by numba where it is loaded.

For each learning rate and each shuffle π: the epoch's map M_π = A_{b_k} ⋯ A_{b_1}, A_b = kron(a0, I) +
kron(c, H_b) (numpy, or numba), then the mean of M_π ⊗ M_π over the shuffles (one matrix product, BLAS); see
:mod:`regress_widgets.theory.stability`.
"""

from __future__ import annotations

import sys

import numpy as np


def _epoch_maps(hessians, a0, c, out):
    """M_π for every learning rate and shuffle (n, K, Q, Q): by numba where the kernel has it loaded already
    (a compiled run imported it), else by numpy (stacked matrix products, about twice numba's time, without
    numba's 120 MB); the two agree to a few units in the last place."""
    if "numba" in sys.modules:
        from .epoch_maps_compiled import epoch_maps

        epoch_maps(hessians, a0, c, out)
        return
    K, steps, P, _ = hessians.shape
    n, q, _ = c.shape
    Q = q * P
    base = np.kron(a0, np.eye(P))  # A_b = kron(a0, I) + kron(c, H_b)
    M = np.broadcast_to(np.eye(Q), (n, K, Q, Q))
    for t in range(steps):
        A = np.einsum("rab,kij->rkaibj", c, hessians[:, t]).reshape(n, K, Q, Q)
        A += base
        M = A @ M
    out[...] = M


def epoch_second_moment(hessians: np.ndarray, a0: np.ndarray, c: np.ndarray) -> np.ndarray:
    """E_π[M_π ⊗ M_π] (n, Q², Q²) for the batch Hessians ``hessians`` (K shuffles, steps, P, P), the step's
    constant part ``a0`` (q, q) and its coefficients ``c`` (n, q, q) of H_b, one per learning rate."""
    K, steps, P, _ = hessians.shape
    n, Q = c.shape[0], c.shape[1] * P
    maps = np.empty((n, K, Q, Q))
    _epoch_maps(np.ascontiguousarray(hessians, dtype=np.float64), np.ascontiguousarray(a0, dtype=np.float64),
                np.ascontiguousarray(c, dtype=np.float64), maps)
    flat = maps.reshape(n, K, Q * Q)
    sums = np.matmul(flat.transpose(0, 2, 1), flat) / K  # [(i, j), (a, b)]: the mean of M_ij · M_ab
    return sums.reshape(n, Q, Q, Q, Q).transpose(0, 1, 3, 2, 4).reshape(n, Q * Q, Q * Q)  # kron order [(i, a), (j, b)]


def batch_hessians(stability, batch_size: int) -> np.ndarray:
    """(shuffles, steps, P, P): every batch's Hessian in each of the seeded shuffles of one epoch of the small
    dataset of ``stability`` (a :class:`~regress_widgets.theory.stability.Stability`), kept in its cache."""
    cache, B = stability._shuffled, int(batch_size)
    if B not in cache:
        Z, N, K = stability.examples, stability.n_examples, stability.shuffles
        if "cumulative" not in cache:  # the same shuffles for every batch size: running sums of x̃x̃ᵀ
            order = np.argsort(np.random.default_rng(0).random((K, N)), axis=1)
            outer = np.einsum("ni,nj->nij", Z, Z)
            cache["cumulative"] = np.concatenate([np.zeros((K, 1, *outer.shape[1:])), np.cumsum(outer[order], axis=1)],
                                                 axis=1)
        cum = cache["cumulative"]
        starts = np.arange(0, N, B)
        stops = np.minimum(starts + B, N)
        sums = cum[:, stops] - cum[:, starts]
        sizes = (stops - starts).astype(np.float64)
        cache[B] = stability.scale * sums / sizes[None, :, None, None] + stability.weight_decay * np.eye(Z.shape[1])
    return cache[B]
