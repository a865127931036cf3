"""The loss surface of linear regression, from sufficient statistics.

For a linear model the loss is a quadratic in θ = [w…, b]:

    loss(θ) = s · (θᵀ G θ − 2 hᵀθ + c),   G = mean x̃x̃ᵀ,  h = mean x̃·y,  c = mean y²

(x̃ = [x, 1], s the recipe's loss scale). G, h and c are computed once per dataset, so a
grid of any size costs the same for 50 examples or ten million. From them also come the
least-squares optimum G⁻¹h, the Hessian 2sG, and the stability limit of gradient descent
lr_max = 2 / λ_max: past it the iteration blows up along the steepest direction.

Weight decay λ_wd makes the gradient g + λ_wd·θ (every parameter, the bias too): the gradient of
loss + λ_wd/2·|θ|². That surface is the same quadratic with G + λ_wd/(2s)·I in place of G, so the
landscape of a run with weight decay holds that G: its optimum, minimum, Hessian 2sG + λ_wd·I, eigenvalues,
grids and contours are those of the regularized loss (``weight_decay`` says which λ_wd it includes).

Stability limits per optimizer (:meth:`Landscape.lr_limit`), at a constant lr on this quadratic without
gradient noise, from the 2×2 map of each Hessian eigen-direction λ (Jury's criterion on its characteristic
polynomial; see Polyak 1964, and G. Goh, "Why Momentum Really Works", Distill 2017):

* gradient descent:       |1 − lr·λ| < 1                      → lr < 2/λmax
* heavy ball (β):         z² − (1 + β − lr·λ)z + β             → lr < 2(1+β)/λmax
* Nesterov (β):           z² − (1+β)(1 − lr·λ)z + β(1 − lr·λ)  → lr < 2(1+β)/((1+2β)·λmax)
* Adam: no such fixed limit — its step is divided by the root of the squared-gradient mean, so it is about lr
  per parameter whatever the curvature; a large lr makes it wander about the optimum, not blow up.

Where lr sits in the velocity does not matter at a constant lr (both conventions are one map). MXNet's NAG,
whose velocity reads the decayed θ after the step, differs from the Nesterov map by a term of order
lr·λ_wd·(θ' − θ): the limit above is the one without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..recipes.data import make_dataset
from ..recipes.tutorials import Recipe, get_recipe, param_names


@dataclass(frozen=True, eq=False)
class Landscape:
    """The loss surface of one dataset. Its derived numbers (optimum, min_loss, Hessian, eigenvalues, lr_max)
    are computed once, on first use: a landscape never changes."""

    G: np.ndarray
    h: np.ndarray
    c: float
    loss_scale: float
    param_names: tuple[str, ...]
    weight_decay: float = 0.0
    """The λ_wd this surface includes (its G is the data's plus λ_wd/(2s)·I): loss + λ_wd/2·|θ|²."""
    minimum_norm: bool = False
    """True when the optimum is not unique (a constant or collinear feature: G is singular): :attr:`optimum` is
    then the minimum-norm one, pinv(G)·h, as ``numpy.linalg.lstsq`` gives it."""

    @classmethod
    def from_data(cls, X, y, loss_scale: float = 1.0, names=None, weight_decay: float = 0.0) -> Landscape:
        """The loss over the whole dataset ``X`` (N, d), ``y`` (N,) (plus λ_wd/2·|θ|² with ``weight_decay``)."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        n, d = X.shape
        Z = np.concatenate([X, np.ones((n, 1)), y[:, None]], axis=1)
        sums = Z.T @ Z / n
        names = names or param_names(d)
        return cls(sums[:-1, :-1], sums[:-1, -1], float(sums[-1, -1]), loss_scale, names).with_weight_decay(
            weight_decay)

    @classmethod
    def of_examples(cls, recipe: Recipe, X, y) -> Landscape:
        """The loss the recipe descends over the examples ``X``, ``y`` (its loss scale, its parameter names, its
        weight decay)."""
        return cls.from_data(X, y, recipe.loss_scale, recipe.param_names, recipe.weight_decay)

    def with_weight_decay(self, weight_decay: float) -> Landscape:
        """This data's surface with weight decay λ_wd instead (G + λ_wd/(2s)·I: the gradient gains λ_wd·θ)."""
        if weight_decay == self.weight_decay:
            return self
        shift = (float(weight_decay) - self.weight_decay) / (2 * self.loss_scale)
        G = self.G + shift * np.eye(len(self.h))
        return Landscape(G, self.h, self.c, self.loss_scale, self.param_names, float(weight_decay),
                         self.minimum_norm)

    @classmethod
    def of_own_data(cls, recipe: Recipe) -> Landscape:
        """The loss the recipe descends over your own dataset (``recipe.data``), from its moments (computed once,
        in blocks: no copy of a big dataset)."""
        data = recipe.data
        G, h, c = data.moments
        return cls(G, h, c, recipe.loss_scale, recipe.param_names, minimum_norm=not data.unique_optimum
                   ).with_weight_decay(recipe.weight_decay)

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
        return cls(G, h, c, recipe.loss_scale, recipe.param_names).with_weight_decay(recipe.weight_decay)

    @classmethod
    def for_recipe(cls, recipe: str | Recipe, seed: int = 0) -> Landscape:
        """The surface SGD descends: its dataset's, or the population's when data streams."""
        recipe = get_recipe(recipe)
        if recipe.streaming:
            return cls.population(recipe)
        if recipe.data is not None:
            return cls.of_own_data(recipe)
        data = make_dataset(recipe, seed)
        return cls.of_examples(recipe, data.X, data.y)

    @cached_property
    def optimum(self) -> np.ndarray:
        """The least-squares θ* (the best fit to these data, not the ground truth); the minimum-norm one when it is
        not unique (:attr:`minimum_norm`)."""
        if self.minimum_norm and self.weight_decay == 0:
            return np.linalg.lstsq(self.G, self.h, rcond=1e-10)[0]
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

    def lr_limit(self, optimizer: str = "sgd", momentum: float = 0.0) -> float | None:
        """The largest constant lr at which ``optimizer`` (with ``momentum`` β) does not blow up on this surface:
        2/λmax (gradient descent), 2(1+β)/λmax (heavy ball), 2(1+β)/((1+2β)·λmax) (Nesterov); None for Adam,
        which has no such fixed limit (the module's docstring derives them)."""
        beta = float(momentum)
        if optimizer == "adam":
            return None
        if optimizer == "nesterov":
            return float(2 * (1 + beta) / ((1 + 2 * beta) * self.eigenvalues[0]))
        if optimizer == "sgd":
            return float(2 * (1 + beta) / self.eigenvalues[0])
        raise ValueError(f"optimizer must be one of sgd, nesterov, adam, got {optimizer!r}")

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


def limit_formula(optimizer: str = "sgd", momentum: float = 0.0) -> str:
    """The stability limit of :meth:`Landscape.lr_limit` in words: '2/λmax', '2(1+β)/λmax', … (Adam: none)."""
    if optimizer == "adam":
        return "no fixed stability limit (Adam's step is about lr per parameter, whatever the curvature)"
    if optimizer == "nesterov":
        return "2(1+β)/((1+2β)·λmax)"
    return "2(1+β)/λmax" if momentum > 0 else "2/λmax"

