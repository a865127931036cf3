"""OwnData: a dataset of your own as a recipe holds it (read-only float64 arrays, names, standardized or not),
equal and hashed by a digest of its numbers, with the moments and the scaling SGD and the landscape need.
:mod:`regress_widgets.own_data.from_data` makes one from arrays, DataFrames or a CSV file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

__all__ = ["BLOCK", "OwnData"]

BLOCK = 1 << 16
"""Rows per block when the moments of a big dataset are summed (no copy of the whole data)."""
COLLINEAR = 1e-10
"""A feature whose correlation matrix has an eigenvalue below this (relative) makes the optimum not unique."""


@dataclass(frozen=True, eq=False)
class OwnData:
    """A fixed dataset of your own: ``X`` (N, d) and ``y`` (N,) in float64 (read-only), the column names, and
    whether SGD trains on standardized features. Equal and hashed by a digest of the numbers and names, so a
    recipe holding it stays cheap to compare (the Lab caches by recipe)."""

    X: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    feature_names: tuple[str, ...]
    target_name: str
    name: str
    standardize: bool = False
    notes: tuple[str, ...] = ()
    """What was done to the data or the tutorial's settings, in words (rows dropped, lr scaled, …)."""
    source: str = ""
    """Where it came from (a file name), for titles."""
    like: str = ""
    """The tutorial whose conventions the recipe follows."""

    @cached_property
    def digest(self) -> str:
        h = hashlib.blake2b(digest_size=16)
        for a in (self.X, self.y):
            h.update(str(a.shape).encode())
            h.update(memoryview(np.ascontiguousarray(a)).cast("B"))
        h.update(repr((self.feature_names, self.target_name)).encode())
        return h.hexdigest()

    def __eq__(self, other) -> bool:
        if not isinstance(other, OwnData):
            return NotImplemented
        return self is other or (self.standardize == other.standardize and self.digest == other.digest)

    def __hash__(self) -> int:
        return hash((self.digest, self.standardize))

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    @cached_property
    def mean(self) -> np.ndarray:
        """Each feature's mean (original units)."""
        return _blocks_sum(self.X) / self.n

    @cached_property
    def scale(self) -> np.ndarray:
        """Each feature's standard deviation (population, ddof 0); 1 where a feature is constant."""
        var = sum(((self.X[i:i + BLOCK] - self.mean) ** 2).sum(axis=0) for i in range(0, self.n, BLOCK)) / self.n
        std = np.sqrt(var)
        return np.where(std > 0, std, 1.0)

    @cached_property
    def inputs(self) -> np.ndarray:
        """The features SGD sees: ``X``, or (x − mean)/std when standardized (made once, read-only)."""
        if not self.standardize:
            return self.X
        out = np.empty_like(self.X)
        for i in range(0, self.n, BLOCK):
            np.divide(self.X[i:i + BLOCK] - self.mean, self.scale, out=out[i:i + BLOCK])
        out.setflags(write=False)
        return out

    def rows(self, index) -> np.ndarray:
        """The inputs as trained of the rows ``index`` (an index array or a slice), standardized block by block:
        no standardized copy of the whole dataset is made (the same numbers as ``inputs[index]``)."""
        out = self.X[index]
        if self.standardize:
            if np.shares_memory(out, self.X):  # a slice: a view of the (read-only) data
                out = out.copy()
            for i in range(0, len(out), BLOCK):
                out[i:i + BLOCK] = np.divide(out[i:i + BLOCK] - self.mean, self.scale)
        return out

    @cached_property
    def moments(self) -> tuple[np.ndarray, np.ndarray, float]:
        """G = mean x̃x̃ᵀ, h = mean x̃·y, c = mean y² of the inputs as trained (x̃ = [x, 1]), summed in blocks."""
        d, n = self.dim, self.n
        G = np.zeros((d + 1, d + 1))
        h = np.zeros(d + 1)
        c = 0.0
        for i in range(0, n, BLOCK):
            Xb, yb = self.rows(slice(i, i + BLOCK)), self.y[i:i + BLOCK]
            G[:d, :d] += Xb.T @ Xb
            col = Xb.sum(axis=0)
            G[:d, d] += col
            G[d, :d] += col
            h[:d] += Xb.T @ yb
            h[d] += yb.sum()
            c += float(yb @ yb)
        G[d, d] = n
        return G / n, h / n, c / n

    @cached_property
    def degenerate(self) -> str:
        """Why the least-squares optimum is not unique (a constant feature, collinear features), or ""."""
        raw = np.sqrt(np.maximum(np.diag(self._covariance), 0))
        constant = [name for name, s, m in zip(self.feature_names, raw, self.mean, strict=True)
                    if s <= 1e-12 * max(abs(m), 1.0)]
        if constant:
            return (f"feature {', '.join(map(repr, constant))} is constant: its weight and the bias b are not "
                    "determined separately")
        if self.dim > 1:
            corr = self._covariance / np.outer(raw, raw)
            values, vectors = np.linalg.eigh(corr)
            if values[0] <= COLLINEAR * values[-1]:
                involved = [self.feature_names[k] for k in np.flatnonzero(np.abs(vectors[:, 0]) > 1e-6)]
                return (f"features {', '.join(map(repr, involved))} are collinear (one is a linear combination of "
                        "the others)")
        return ""

    @property
    def unique_optimum(self) -> bool:
        return not self.degenerate

    @cached_property
    def _covariance(self) -> np.ndarray:
        G, _, _ = self.standardized(False).moments  # in the data's own units
        m = G[:-1, -1]
        return G[:-1, :-1] - np.outer(m, m)

    def standardized(self, on: bool = True) -> OwnData:
        """The same data, trained standardized (``on``) or in its own units; the arrays are shared."""
        if on == self.standardize:
            return self
        return replace(self, standardize=bool(on))

    def to_original(self, theta) -> np.ndarray:
        """θ = [w…, b] as trained turned into the data's own units (the identity unless standardized):
        w = w_z / std, b = b_z − Σ w_z·mean/std. Works on (..., d + 1) arrays."""
        theta = np.asarray(theta, dtype=np.float64)
        if not self.standardize:
            return theta.copy()
        w = theta[..., :-1] / self.scale
        b = theta[..., -1] - (w * self.mean).sum(axis=-1)
        return np.concatenate([w, b[..., None]], axis=-1)

    def to_scaled(self, theta) -> np.ndarray:
        """θ in the data's units as the standardized model holds it (the inverse of :meth:`to_original`)."""
        theta = np.asarray(theta, dtype=np.float64)
        if not self.standardize:
            return theta.copy()
        w = theta[..., :-1] * self.scale
        b = theta[..., -1] + (theta[..., :-1] * self.mean).sum(axis=-1)
        return np.concatenate([w, b[..., None]], axis=-1)


def _blocks_sum(X: np.ndarray) -> np.ndarray:
    return sum(X[i:i + BLOCK].sum(axis=0) for i in range(0, len(X), BLOCK))
