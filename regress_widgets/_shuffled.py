"""The exact second moment of one shuffled epoch, compiled with numba (imported only when it is needed).

For each learning rate and each shuffle π: the epoch's map M_π = A_{b_k} ⋯ A_{b_1}, A_b = kron(a0, I) +
kron(c, H_b), and the mean of M_π ⊗ M_π over the shuffles (see :mod:`regress_widgets.stability`).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _epoch_second_moment(hessians, a0, c, out):
    K, steps, P, _ = hessians.shape
    n, q, _ = c.shape
    Q = q * P
    A = np.empty((Q, Q))
    M = np.empty((Q, Q))
    new = np.empty((Q, Q))
    for r in range(n):
        for k in range(K):
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
            for i in range(Q):
                for a in range(Q):
                    for j in range(Q):
                        mij = M[i, j]
                        for b in range(Q):
                            out[r, i * Q + a, j * Q + b] += mij * M[a, b]
    for r in range(n):
        for i in range(Q * Q):
            for j in range(Q * Q):
                out[r, i, j] /= K


def epoch_second_moment(hessians: np.ndarray, a0: np.ndarray, c: np.ndarray) -> np.ndarray:
    """E_π[M_π ⊗ M_π] (n, Q², Q²) for the batch Hessians ``hessians`` (K shuffles, steps, P, P), the step's
    constant part ``a0`` (q, q) and its coefficients ``c`` (n, q, q) of H_b, one per learning rate."""
    K, steps, P, _ = hessians.shape
    Q = c.shape[1] * P
    out = np.zeros((c.shape[0], Q * Q, Q * Q))
    _epoch_second_moment(np.ascontiguousarray(hessians, dtype=np.float64), np.ascontiguousarray(a0, dtype=np.float64),
                         np.ascontiguousarray(c, dtype=np.float64), out)
    return out
