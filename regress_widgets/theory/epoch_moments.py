"""The exact second moment of one shuffled epoch: the epoch maps compiled with numba (imported only when needed).

For each learning rate and each shuffle π: the epoch's map M_π = A_{b_k} ⋯ A_{b_1}, A_b = kron(a0, I) +
kron(c, H_b) (numba), then the mean of M_π ⊗ M_π over the shuffles (one matrix product, BLAS); see
:mod:`regress_widgets.theory.stability`.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _epoch_maps(hessians, a0, c, out):
    K, steps, P, _ = hessians.shape
    n, q, _ = c.shape
    Q = q * P
    A = np.empty((Q, Q))
    new = np.empty((Q, Q))
    for r in range(n):
        for k in range(K):
            M = out[r, k]
            for i in range(Q):
                for j in range(Q):
                    M[i, j] = 1.0 if i == j else 0.0
            for t in range(steps):
                H = hessians[k, t]
                for a in range(q):
                    for b in range(q):
                        for i in range(P):
                            for j in range(P):
                                A[a * P + i, b * P + j] = c[r, a, b] * H[i, j] + (a0[a, b] if i == j else 0.0)
                for i in range(Q):
                    for j in range(Q):
                        s = 0.0
                        for m in range(Q):
                            s += A[i, m] * M[m, j]
                        new[i, j] = s
                for i in range(Q):
                    for j in range(Q):
                        M[i, j] = new[i, j]


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
