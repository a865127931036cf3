"""Where SGD blows up: the stability limit of gradient descent, and the mean-square limit of minibatch SGD.

On least squares every step is a linear map of the error e = θ − θ* (θ* the optimum SGD descends to), plus
a push of zero mean: e ← (I − η·H_b) e + η·ξ_b, H_b the batch's mean of H_i = 2s·x̃_i x̃_iᵀ + λ·I (x̃ = [x, 1],
s the loss scale, λ the weight decay). With momentum the state is z = [e, v]: z ← A_b z + noise, A_b = Ā +
kron(c, H_b − H), affine in H_b.

* **Gradient descent's limit** (the mean step, no batch noise): every eigen-direction λ of H = E[H_b] must
  shrink: lr < 2/λmax; heavy ball 2(1+β)/λmax; Nesterov 2(1+β)/((1+2β)·λmax) (Polyak 1964; Goh, "Why Momentum
  Really Works", Distill 2017; :meth:`~regress_widgets.theory.landscape.Landscape.lr_limit`).
* **The mean-square limit of minibatch SGD**: the second moment S = E[z zᵀ] evolves by the linear operator

      𝒯(S) = E[A_b S A_bᵀ],   as a matrix  𝒯 = E[A_b ⊗ A_b] = Ā ⊗ Ā + E[kron(c, Δ) ⊗ kron(c, Δ)],  Δ = H_b − H

  and SGD converges in mean square (to the noise floor, or to θ* when the data fit exactly) iff its spectral
  radius ρ(𝒯) < 1 (the linear mean-square stability of Wu, Ma & E, "How SGD selects the global minima in
  over-parameterized learning: a dynamical stability perspective", NeurIPS 2018; for least squares Bach &
  Moulines, NeurIPS 2013; with momentum, the same second-moment operator of the [e, v] map, as in Kidambi et
  al., "On the insufficiency of existing momentum schemes for stochastic optimization", ICLR 2018).
  With independent batches ρ(𝒯) ≥ ρ(Ā)², so this limit never exceeds gradient descent's (for shuffled epochs,
  below, the search stops there too: past 2/λmax the verdict calls a run diverging). For plain SGD
  𝒯(η) = I − η(H ⊕ H) + η²·K with K = H ⊗ H + Cov(H_b), and ρ = 1 first where (H ⊕ H)·u = η·K·u: the limit is exactly
  1 / λmax((H ⊕ H)⁻¹ K) (:meth:`Stability.mean_square_limit`). One dimension, no bias: η < 2h / (h² + Var h_b).

The batch's Hessian covariance Cov(H_b) comes from the data's fourth moments, Cov(H_i) = E[H_i ⊗ H_i] − H ⊗ H:

* a **fresh batch** of B independent examples every step (Caffe2): Cov(H_b) = Cov(H_i)/B, with the input
  distribution's own moments (:meth:`Stability.population`);
* a **fixed dataset of N**, shuffled every epoch and cut into batches (MXNet, PyTorch): a batch is a uniform
  sample without replacement, so Cov(H_b) = Cov(H_i) · (N − B)/(B(N − 1)) (the finite-population correction of
  sampling without replacement; Cochran, *Sampling Techniques*, 1977, ch. 2), which is 0 at B = N: full-batch
  gradient descent.

Within one epoch the batches are not independent: each is drawn from what the earlier ones left, and
together they cover every example once. Two ways, chosen by the size of the epoch:

* **short epochs** (a dataset of at most :data:`EXACT_EXAMPLES` examples cut into at most :data:`EXACT_STEPS`
  batches, such as PyTorch's 50): exact. Each epoch's shuffle is new and independent of the past, so the epoch
  maps M_π = A_{b_k} ⋯ A_{b_1} are independent and the second moment grows by ρ(E_π[M_π ⊗ M_π]) per epoch;
  the expectation over shuffles is a Monte-Carlo mean over :data:`SHUFFLES` seeded shuffles (the same for
  every lr). Reshuffling is far more stable than independent batches: every epoch sees each example once.
* **long epochs** (MXNet's 2,500 batches): each step's batch is treated as an independent uniform sample of its
  size (its exact marginal, with the correction above); an epoch's last, smaller batch enters as its own
  operator, ρ(𝒯_last · 𝒯_B^k)^(1/(k+1)) for k full batches. The error forgets its past within a few dozen
  steps, long before the epoch's end, which is when this approximation is close (tests/test_stability.py
  compares it with the engine's runs on the real shuffled epochs).

The limits hold at a constant lr (Caffe2's decaying rate starts at its base lr); Adam has neither. Where the
limit is searched for (momentum, shuffled epochs, a last smaller batch), ρ is taken to cross 1 once in (0,
gradient descent's limit]. MXNet's NAG with weight decay reads the decayed θ after the step, a term of order
lr·λ left out (as in :meth:`~regress_widgets.theory.landscape.Landscape.lr_limit`). Between the two limits the error
is multiplied each step by a random factor whose mean square is above 1 while its typical size is below: most
runs settle, a few wander far — heavy tails (Gürbüzbalaban, Şimşekli & Zhu, "The heavy-tail phenomenon in
SGD", ICML 2021).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from ..recipes.byte_cache import ByteCache
from ..recipes.data import make_dataset
from ..recipes.settings import OPTIMIZERS, InvalidSetting, check_choice
from ..recipes.tutorials import Distribution, Recipe, get_recipe

SCAN = 12
"""Learning rates tried (geometrically, 1/1000 of gradient descent's limit to it) before regula falsi."""
EXACT_EXAMPLES = 4096
EXACT_STEPS = 64
"""A fixed dataset of at most EXACT_EXAMPLES examples in at most EXACT_STEPS batches: the exact shuffled epochs."""
SHUFFLES = 4096
"""Shuffles averaged for the exact epoch operator (seeded: the same limit every time; about 1 % apart from
another set of shuffles at batch 1 on PyTorch's 50 examples)."""
QUICK_SHUFFLES = 2048
"""For the Lab's note (``limits_for(..., quick=True)``): about 1 % apart."""


def _coordinate_moments(dist: Distribution) -> np.ndarray:
    """E[x^k] for k = 0 … 4 of one input coordinate."""
    if dist.kind == "normal":
        m, s = dist.a, dist.b
        return np.array([1, m, m * m + s * s, m**3 + 3 * m * s * s, m**4 + 6 * m * m * s * s + 3 * s**4])
    a, b = dist.a, dist.b
    return np.array([1.0, *((b ** (k + 1) - a ** (k + 1)) / ((k + 1) * (b - a)) for k in range(1, 5))])


def _pair(c: np.ndarray, M: np.ndarray) -> np.ndarray:
    """E[kron(c, Δ) ⊗ kron(c, Δ)] from M[i, i', j, j'] = E[Δ_ij Δ_i'j'] (the covariance of H_b); returns
    ((qP)², (qP)²) for c of shape (q, q)."""
    q, P = len(c), M.shape[0]
    out = np.einsum("ab,AB,iIjJ->aiAIbjBJ", c, c, M)
    return out.reshape((q * P) ** 2, (q * P) ** 2)


@dataclass(frozen=True, eq=False)
class Stability:
    """What the stability of SGD on one loss surface depends on: the Hessian H (P × P) and the covariance of one
    example's Hessian, Cov(H_i) = E[H_i ⊗ H_i] − H ⊗ H (P² × P²); ``n_examples`` None: fresh batches."""

    hessian: np.ndarray
    covariance: np.ndarray
    n_examples: int | None
    examples: np.ndarray | None = field(default=None, repr=False)
    """The rows x̃ = [x, 1] of a small fixed dataset (for the exact shuffled epochs), else None."""
    scale: float = 2.0
    """2s: one example's Hessian is scale·x̃x̃ᵀ + weight_decay·I."""
    weight_decay: float = 0.0
    shuffles: int = SHUFFLES
    """Shuffles averaged for the exact epoch operator."""
    _shuffled: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of_examples(cls, recipe: Recipe, X) -> Stability:
        """The fixed dataset ``X`` (N, d) descended with the recipe's loss scale and weight decay."""
        X = np.asarray(X, dtype=np.float64)
        n, d = X.shape
        Z = np.concatenate([X, np.ones((n, 1))], axis=1)
        s2 = (2 * recipe.loss_scale) ** 2
        outer = np.einsum("ni,nj->nij", Z, Z).reshape(n, -1)
        fourth = outer.T @ outer / n  # E[(x̃x̃ᵀ) ⊗ (x̃x̃ᵀ)], every index order alike
        G = Z.T @ Z / n
        small = Z if n <= EXACT_EXAMPLES else None
        return cls._make(recipe, G, s2 * (fourth - np.kron(G, G)), n, small)

    @classmethod
    def population(cls, recipe: str | Recipe) -> Stability:
        """Fresh batches from the recipe's input distribution (independent coordinates): its exact moments."""
        recipe = get_recipe(recipe)
        P = recipe.dim + 1
        m = _coordinate_moments(recipe.x)
        idx = np.indices((P,) * 4).reshape(4, -1)
        counts = np.stack([(idx == k).sum(axis=0) for k in range(P - 1)])  # powers of each input coordinate
        fourth = np.prod(m[counts], axis=0).reshape(P * P, P * P)
        two = np.indices((P, P)).reshape(2, -1)
        G = np.prod(m[np.stack([(two == k).sum(axis=0) for k in range(P - 1)])], axis=0).reshape(P, P)
        return cls._make(recipe, G, (2 * recipe.loss_scale) ** 2 * (fourth - np.kron(G, G)), None)

    @classmethod
    def _make(cls, recipe: Recipe, G, covariance, n, examples=None) -> Stability:
        H = 2 * recipe.loss_scale * G + recipe.weight_decay * np.eye(len(G))
        return cls(H, (covariance + covariance.T) / 2, n, examples, 2 * recipe.loss_scale, recipe.weight_decay)

    @classmethod
    def for_recipe(cls, recipe: str | Recipe, seed: int = 0) -> Stability:
        """The surface SGD descends for this recipe and seed: its dataset's, or the population's when it streams
        (cached: the limits depend only on the inputs, the loss scale and the weight decay)."""
        recipe = get_recipe(recipe)
        key = _data_key(recipe)
        if not _hashable(key):  # a recipe holding arrays (own data, say): computed, not cached
            return _make(key, int(seed))
        return _STABILITIES.get_or((key, int(seed)), lambda: _make(key, int(seed)))

    @cached_property
    def lambda_max(self) -> float:
        return float(np.linalg.eigvalsh(self.hessian)[-1])

    def batch_factor(self, batch_size: int) -> float:
        """Cov(H_b) / Cov(H_i): 1/B for fresh batches, (N − B)/(B(N − 1)) for a fixed dataset of N."""
        B, N = int(batch_size), self.n_examples
        if N is None:
            return 1.0 / B
        top = N
        if not 1 <= B <= top:
            raise InvalidSetting("batch_size", f"an integer in [1, {top}]", batch_size)
        return 0.0 if N == 1 else (N - B) / (B * (N - 1))

    def gd_limit(self, optimizer: str = "sgd", momentum: float = 0.0) -> float | None:
        """Gradient descent's limit: 2/λmax, 2(1+β)/λmax (heavy ball), 2(1+β)/((1+2β)λmax) (Nesterov); None: Adam."""
        check_choice("optimizer", optimizer, OPTIMIZERS)
        beta = float(momentum)
        if optimizer == "adam":
            return None
        if optimizer == "nesterov":
            return 2 * (1 + beta) / ((1 + 2 * beta) * self.lambda_max)
        return 2 * (1 + beta) / self.lambda_max

    # --- the second-moment operator ------------------------------------------------------------------
    @staticmethod
    def _coefficients(lr, optimizer: str, momentum: float):
        """The step as A_b = kron(a0, I) + kron(c, H_b): a0 (q, q) and c (n, q, q) for each lr (q = 1 without a
        velocity). Heavy ball e' = e − η·H_b e − β·v, v' = β·v + η·H_b e; Nesterov e' = e − η(1+β)·H_b e − β²·v
        (lr in the velocity; with lr outside, v is η times smaller: the same map)."""
        lr = np.atleast_1d(np.asarray(lr, dtype=np.float64))
        beta = float(momentum)
        if optimizer == "sgd" and beta == 0:
            return np.ones((1, 1)), -lr[:, None, None] * np.ones((1, 1))
        k1, k2 = (1 + beta, beta * beta) if optimizer == "nesterov" else (1.0, beta)
        c = np.zeros((len(lr), 2, 2))
        c[:, 0, 0], c[:, 1, 0] = -k1 * lr, lr
        return np.array([[1.0, -k2], [0.0, beta]]), c

    def _blocks(self, lr, optimizer: str, momentum: float):
        """For each lr: the mean map Ā (n, qP, qP) and the coefficient c (n, q, q) of the batch's Δ."""
        a0, c = self._coefficients(lr, optimizer, momentum)
        eye = np.eye(len(self.hessian))
        return np.kron(a0, eye)[None] + np.stack([np.kron(ci, self.hessian) for ci in c]), c

    def operator(self, lr, batch_size: int, optimizer: str = "sgd", momentum: float = 0.0) -> np.ndarray:
        """𝒯 = E[A_b ⊗ A_b] for each lr (…, (qP)², (qP)²): S ← 𝒯 S is the second moment's step."""
        mean, c = self._blocks(lr, optimizer, momentum)
        P = len(self.hessian)
        cov = (self.batch_factor(batch_size) * self.covariance).reshape(P, P, P, P)  # [i, i', j, j']: E[Δ_ij Δ_i'j']
        return np.stack([np.kron(m, m) + _pair(ci, cov) for m, ci in zip(mean, c, strict=True)])

    def _epoch(self, batch_size: int) -> tuple[int, int]:
        """(full batches, size of the last partial batch or 0) of one epoch; (1, 0) for fresh batches."""
        if self.n_examples is None:
            return 1, 0
        full, rest = divmod(self.n_examples, int(batch_size))
        return full, rest

    def growth(self, lr, batch_size: int, optimizer: str = "sgd", momentum: float = 0.0) -> np.ndarray:
        """Per step, the factor by which the error's second moment grows in the long run: ρ(𝒯)
        (ρ(𝒯_last 𝒯_B^k)^(1/(k+1)) for an epoch of k full batches and a smaller last one). Below 1: stable."""
        lr = np.atleast_1d(np.asarray(lr, dtype=np.float64))
        if self.exact(batch_size):
            return self._shuffled_growth(lr, batch_size, optimizer, momentum)
        full, rest = self._epoch(batch_size)
        T = self.operator(lr, batch_size, optimizer, momentum)
        if not rest:
            return np.abs(np.linalg.eigvals(T)).max(axis=-1)
        last = self.operator(lr, rest, optimizer, momentum)
        log_power, M = _log_power(T, full)
        rho = np.abs(np.linalg.eigvals(last @ M)).max(axis=-1)
        with np.errstate(divide="ignore"):
            return np.exp((np.log(rho) + log_power) / (full + 1))

    def mean_square_limit(self, batch_size: int, optimizer: str = "sgd", momentum: float = 0.0,
                          tolerance: float = 1e-8) -> float | None:
        """The largest constant lr at which minibatch SGD with batches of ``batch_size`` converges in mean square
        (ρ(𝒯) < 1); None for Adam. Plain SGD with equal batches: 1/λmax((H ⊕ H)⁻¹K) exactly; otherwise the first
        crossing of ρ = 1 in (0, gradient descent's limit], found from a scan (shuffled epochs: from the
        independent-batch limit) by regula falsi."""
        check_choice("optimizer", optimizer, OPTIMIZERS)
        top = self.gd_limit(optimizer, momentum)
        if top is None:
            return None
        self.batch_factor(batch_size)  # refuse a batch larger than the dataset
        if optimizer == "sgd" and momentum == 0 and not self._epoch(batch_size)[1] and not self.exact(batch_size):
            P = len(self.hessian)
            eye = np.eye(P)
            L = np.kron(self.hessian, eye) + np.kron(eye, self.hessian)
            K = np.kron(self.hessian, self.hessian) + self.batch_factor(batch_size) * self.covariance
            mu = np.linalg.eigvals(np.linalg.solve(L, K)).real.max()
            return float(min(1 / mu, top))
        guess = None
        if self.exact(batch_size):  # the independent-batch limit, cheap, brackets the exact one's search
            guess = replace(self, examples=None, _shuffled={}).mean_square_limit(batch_size, optimizer, momentum)
        return self._crossing(lambda lr: self.growth(lr, batch_size, optimizer, momentum), top, guess, tolerance)

    @staticmethod
    def _crossing(growth, top: float, guess: float | None = None, tolerance: float = 1e-8) -> float:
        """The first lr in (0, top] where ``growth`` reaches 1 (top when it stays below: ρ is taken to cross 1 once):
        a bracket — from ``guess`` when given, else a scan — then regula falsi (Illinois) on log growth."""
        def f(lr):
            with np.errstate(divide="ignore"):
                return np.log(growth(lr))

        f_top = float(f(top)[0])
        if f_top < 0:
            return float(top)
        if guess is not None and 1e-3 * top < guess < top:
            lo, flo = guess, float(f(guess)[0])
            hi, fhi = top, f_top
            while flo >= 0 and lo > 1e-3 * top:  # the crossing lies lower: halve until stable
                hi, fhi = lo, flo
                lo = lo / 2
                flo = float(f(lo)[0])
            if flo >= 0:
                return float(lo)
        else:
            grid = top * np.geomspace(1e-3, 1, SCAN)
            values = f(grid)
            over = values >= 0
            first = int(over.argmax())
            if first == 0:
                return float(grid[0])  # unstable from the start of the scan (not met on these surfaces)
            lo, hi, flo, fhi = grid[first - 1], grid[first], values[first - 1], values[first]
        side = 0
        for _ in range(40):
            mid = hi - fhi * (hi - lo) / (fhi - flo) if np.isfinite(flo) and fhi > flo else (lo + hi) / 2
            if not lo < mid < hi:
                mid = (lo + hi) / 2
            fm = float(f(mid)[0])
            if fm >= 0:
                hi, fhi = mid, fm
                flo = flo / 2 if side == -1 else flo
                side = -1
            else:
                lo, flo = mid, fm
                fhi = fhi / 2 if side == 1 else fhi
                side = 1
            if hi - lo <= tolerance * top:
                break
        return float(lo)

    def exact(self, batch_size: int) -> bool:
        """Whether the limit for this batch size is the exact one of shuffled epochs (a small dataset, short
        epochs), not the independent-batch approximation."""
        return self.examples is not None and sum(self._epoch(batch_size)) <= EXACT_STEPS

    def method(self, batch_size: int) -> str:
        """How the mean-square limit is computed for this batch size, in words."""
        if self.n_examples is None:
            return "fresh batches: exact, from the input distribution's moments"
        if self.exact(batch_size):
            return f"shuffled epochs: exact, averaged over {self.shuffles:,} shuffles"
        return "independent batches with the finite-population correction (N − B)/(B(N − 1))"

    def _shuffled_hessians(self, batch_size: int) -> np.ndarray:
        """(shuffles, steps, P, P): every batch's Hessian in each of the seeded shuffles of one epoch."""
        from .epoch_moments import batch_hessians

        return batch_hessians(self, batch_size)

    def _shuffled_growth(self, lr, batch_size: int, optimizer: str, momentum: float) -> np.ndarray:
        """Per step: ρ(E_π[M_π ⊗ M_π])^(1/steps), M_π the map of one shuffled epoch (the exact operator)."""
        from .epoch_moments import epoch_second_moment

        Hb = self._shuffled_hessians(batch_size)
        a0, c = self._coefficients(lr, optimizer, momentum)
        E = epoch_second_moment(Hb, a0, c)
        return np.abs(np.linalg.eigvals(E)).max(axis=-1) ** (1 / Hb.shape[1])

    def limits(self, batch_size: int, optimizer: str = "sgd", momentum: float = 0.0) -> dict:
        """Both limits for one batch size: {"gradient_descent": …, "mean_square": …} (None for Adam)."""
        return {"gradient_descent": self.gd_limit(optimizer, momentum),
                "mean_square": self.mean_square_limit(batch_size, optimizer, momentum)}


def _log_power(T: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """T^k for a stack of matrices as (log scale, M) with T^k = exp(log scale)·M, by squaring (no overflow)."""
    def scaled(M, log):
        norm = np.abs(M).max(axis=(1, 2))
        return M / norm[:, None, None], log + np.log(norm)

    result, log_scale = np.broadcast_to(np.eye(T.shape[-1]), T.shape).copy(), np.zeros(len(T))
    base, base_log = T.copy(), np.zeros(len(T))
    while k:
        if k & 1:
            result, log_scale = scaled(result @ base, log_scale + base_log)
        k >>= 1
        if k:
            base, base_log = scaled(base @ base, 2 * base_log)
    return log_scale, result


_SETTINGS_FREE = dict(lr=1.0, gamma=1.0, stepsize=1, batch_size=1, noise=0.0, optimizer="sgd", momentum=0.0,
                      beta1=0.9, beta2=0.999, eps=1e-8)


def _data_key(recipe: Recipe) -> Recipe:
    """The recipe with every setting the limits do not depend on set to one value (a cache key)."""
    length = {"steps": 1, "epochs": None} if recipe.streaming else {"steps": None, "epochs": 1}
    return replace(recipe, **_SETTINGS_FREE, **length)


STABILITY_BYTES = 12 * 2**20
"""The surfaces kept (by recipe and seed), in bytes: a small dataset's shuffled Hessians take about 10 MB a seed
(4,096 shuffles), so a class's hundred seeds would otherwise keep a kernel 600 MB larger. 24 MB kept a side-by-side
kernel 1.32 × larger after a lesson than built (measured in one process: 127 → 167 MB), 12 MB 1.23 × (156 MB),
with the lesson as fast (20.6 s: the surfaces of the seeds on show still fit)."""
_STABILITIES = ByteCache(STABILITY_BYTES)


def _make(recipe: Recipe, seed: int) -> Stability:
    if recipe.streaming:
        return Stability.population(recipe)
    return Stability.of_examples(recipe, make_dataset(recipe, seed).X)


def _hashable(key) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True
