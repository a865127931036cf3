"""The loss surface of linear regression, from sufficient statistics.

For a linear model the loss is a quadratic in θ = [w…, b]:

    loss(θ) = s · (θᵀ G θ − 2 hᵀθ + c),   G = mean x̃x̃ᵀ,  h = mean x̃·y,  c = mean y²

(x̃ = [x, 1], s the recipe's loss scale). G, h and c are computed once per dataset, so a
grid of any size costs the same for 50 examples or ten million. From them also come the
least-squares optimum G⁻¹h, the Hessian 2sG, and the stability limit of gradient descent
lr_max = 2 / λ_max: past it the iteration blows up along the steepest direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .data import make_dataset
from .recipes import Recipe, get_recipe, param_names


@dataclass(frozen=True, eq=False)
class Landscape:
    """The loss surface of one dataset. Its derived numbers (optimum, min_loss, Hessian, eigenvalues, lr_max)
    are computed once, on first use: a landscape never changes."""

    G: np.ndarray
    h: np.ndarray
    c: float
    loss_scale: float
    param_names: tuple[str, ...]

    @classmethod
    def from_data(cls, X, y, loss_scale: float = 1.0, names=None) -> Landscape:
        """The loss over the whole dataset ``X`` (N, d), ``y`` (N,)."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        n, d = X.shape
        Z = np.concatenate([X, np.ones((n, 1)), y[:, None]], axis=1)
        sums = Z.T @ Z / n
        names = names or param_names(d)
        return cls(sums[:-1, :-1], sums[:-1, -1], float(sums[-1, -1]), loss_scale, names)

    @classmethod
    def of_examples(cls, recipe: Recipe, X, y) -> Landscape:
        """The loss the recipe descends over the examples ``X``, ``y`` (its loss scale, its parameter names)."""
        return cls.from_data(X, y, recipe.loss_scale, recipe.param_names)

    @classmethod
    def population(cls, recipe: str | Recipe) -> Landscape:
        """The expected loss over the recipe's input distribution and label noise."""
        recipe = get_recipe(recipe)
        d = recipe.dim
        m, v = recipe.x.mean, recipe.x.variance
        G = np.full((d + 1, d + 1), m * m)
        G[np.arange(d), np.arange(d)] = v + m * m
        G[-1, :] = G[:, -1] = m
        G[-1, -1] = 1.0
        theta = np.asarray(recipe.theta_true)
        h = G @ theta
        c = float(theta @ G @ theta + recipe.noise**2)
        return cls(G, h, c, recipe.loss_scale, recipe.param_names)

    @classmethod
    def for_recipe(cls, recipe: str | Recipe, seed: int = 0) -> Landscape:
        """The surface SGD descends: its dataset's, or the population's when data streams."""
        recipe = get_recipe(recipe)
        if recipe.streaming:
            return cls.population(recipe)
        data = make_dataset(recipe, seed)
        return cls.of_examples(recipe, data.X, data.y)

    @cached_property
    def optimum(self) -> np.ndarray:
        """The least-squares θ* (the best fit to these data, not the ground truth)."""
        return np.linalg.solve(self.G, self.h)

    @cached_property
    def min_loss(self) -> float:
        return float(self.loss(self.optimum))

    @cached_property
    def hessian(self) -> np.ndarray:
        return 2 * self.loss_scale * self.G

    @cached_property
    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of the Hessian, largest first."""
        return np.linalg.eigvalsh(self.hessian)[::-1]

    @cached_property
    def lr_max(self) -> float:
        """Stability limit 2/λ_max: gradient descent diverges for any larger learning rate."""
        return float(2 / self.eigenvalues[0])

    def loss(self, theta) -> np.ndarray:
        """Loss at θ of shape (..., P)."""
        theta = np.asarray(theta, dtype=np.float64)
        quad = np.einsum("...p,pq,...q->...", theta, self.G, theta)
        return self.loss_scale * (quad - 2 * theta @ self.h + self.c)

    def grid(self, i: int, j: int, a, b, at=None) -> np.ndarray:
        """Loss on the plane of parameters i and j (values ``a`` and ``b``), the others held at ``at``.

        Returns shape (len(b), len(a)), ready for ``contour(a, b, Z)``. ``at`` defaults to the optimum.
        """
        at = self.optimum if at is None else np.asarray(at, dtype=np.float64)
        u = np.asarray(a, dtype=np.float64)[None, :] - at[i]
        v = np.asarray(b, dtype=np.float64)[:, None] - at[j]
        g = self.G @ at - self.h
        base = at @ self.G @ at - 2 * self.h @ at + self.c
        G = self.G
        quad = (G[i, i] * u + 2 * G[i, j] * v + 2 * g[i]) * u + (G[j, j] * v + 2 * g[j]) * v
        return self.loss_scale * (quad + base)
