"""A stream's per-step batch statistics (G = mean x̃x̃ᵀ, h = mean x̃y, mean y² of each batch), which every lr on that
stream shares: :func:`batch_statistics`, and :func:`statistics`, which keeps the last streams' (a slider's drag runs
the same data again and again; MXNet's 25,000 batches cost 12 ms to sum, a run from them about 2 ms)."""

from __future__ import annotations

import threading

import numpy as np

from .scan import Workspace, as_rows, fresh

KEEP_BYTES = 16 * 2**20
"""The kept statistics (and the data they came from, and the scan's temporaries) take at most this many bytes: one
or two long streams (MXNet's tutorial: about 12 MB; a stream of batch 1, 100,000 steps, is not kept)."""
WORK_STEPS = 50_000
"""A stream of at most this many steps keeps the scan's temporaries (:class:`~.scan.Workspace`)."""
_KEPT: list = []  # [(the inputs' bits, Statistics)], the newest first


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


class Statistics:
    """G (T, P, P), h (T, P) and mean y² (T,) of a stream's batches, and the same laid out for the scan
    (:func:`regress_widgets.engine.scan.as_rows`, made once when first asked)."""

    def __init__(self, G, h, yy):
        self.G, self.h, self.yy = G, h, yy
        self._rows: dict = {}  # loss scale → (2s·G, 2s·h) laid out for the scan
        self._columns = None  # (G, h) as contiguous rows of each number, for the loss
        # the scan's temporaries on this stream: kept for a stream of MXNet's length (25,000 steps: 6 MB), made
        # afresh each time for longer ones (they would hold their memory after the lesson)
        self.work = Workspace() if len(yy) <= WORK_STEPS else fresh
        self.lock = threading.Lock()  # one run at a time uses the temporaries

    def rows(self, loss_scale: float):
        """(2s·G, 2s·h) laid out for the scan: (L, P, P, K1·K2), (L, P, K1·K2)."""
        if loss_scale not in self._rows:
            T = len(self.yy)
            two_s = 2 * loss_scale
            self._rows[loss_scale] = (as_rows((two_s * self.G)[None], T), as_rows((two_s * self.h)[None], T))
        return self._rows[loss_scale]

    def loss(self, theta, loss_scale: float):
        """The minibatch loss of each step at the θ it starts from: ``theta`` (R, T, P) → (R, T); from G and h, a
        few long numpy calls (θᵀGθ − 2θᵀh + mean y², as the vectorized loop has it)."""
        T, P = self.h.shape
        if self._columns is None:  # G's and h's numbers of each step as contiguous rows: (P·P, T), (P, T)
            self._columns = (np.ascontiguousarray(self.G.reshape(T, P * P).T), np.ascontiguousarray(self.h.T))
        G, h = self._columns
        out = np.empty(theta.shape[:2], dtype=theta.dtype)
        g, gq, t = self.work("loss g", (T,)), self.work("loss gq", (T,)), self.work("loss theta", (P, T))
        for r, th in enumerate(theta):
            np.copyto(t, th.T)
            total = out[r]
            total[...] = self.yy
            for p in range(P):
                np.multiply(G[p * P], t[0], out=g)
                for q in range(1, P):
                    g += np.multiply(G[p * P + q], t[q], out=gq)
                g -= np.multiply(h[p], 2, out=gq)
                g *= t[p]
                total += g
        return loss_scale * out

    @property
    def nbytes(self) -> int:
        """What it holds now (what the scan laid out and kept so far included)."""
        laid_out = [*self._rows.values(), *([self._columns] if self._columns is not None else [])]
        return sum(a.nbytes for a in (self.G, self.h, self.yy)) + getattr(self.work, "nbytes", 0) + sum(
            a.nbytes for pair in laid_out for a in pair)


def statistics(X, y, batch_sizes, index=None) -> Statistics:
    """The :class:`Statistics` of the stream of rows ``index`` of ``X``, ``y`` (all of them when None) in batches
    of ``batch_sizes``: numpy arrays. The last streams' are kept while they hold at most :data:`KEEP_BYTES` in all
    (counted at every call), and given again where the data is the same, bit for bit."""
    inputs = [np.ascontiguousarray(a) for a in (X, y, batch_sizes, () if index is None else index)]
    bits = [a.view(np.uint64) if a.itemsize == 8 else a.view(np.uint8) for a in inputs]
    found = None
    for entry in _KEPT:
        if all(a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(entry[0], bits,
                                                                                                  strict=True)):
            found = entry
            break
    if found is None:
        if index is not None:
            X, y = X[np.asarray(index)], y[np.asarray(index)]
        found = ([b.copy() for b in bits], Statistics(*batch_statistics(np, X, y, np.asarray(batch_sizes))))
    kept, total = [], 0
    for entry in [found] + [e for e in _KEPT if e is not found]:  # the newest first, while they fit
        total += sum(b.nbytes for b in entry[0]) + entry[1].nbytes
        if total > KEEP_BYTES:
            break
        kept.append(entry)
    _KEPT[:] = kept
    return found[1]
