"""The epoch maps of :mod:`.epoch_moments` compiled with numba, for a kernel that has numba loaded already."""

from __future__ import annotations

import numba
import numpy as np

from .numba_cache import prepare

prepare()  # a read-only install caches in the user's folder (numba's setting, before our first njit)


@numba.njit(cache=True, nogil=True)
def epoch_maps(hessians, a0, c, out):
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
