"""The update rules the engine runs, as numbers for many runs at once: sgd (heavy-ball momentum when β > 0),
Nesterov and Adam, each with weight decay, in the conventions a recipe names (never a framework's name).

With g the minibatch gradient plus weight decay, g = ∇loss + λθ (every parameter, the bias too), lr η:

* sgd, ``lr_in_velocity``:      v ← βv + η·g,  θ ← θ − v          (Caffe2 MomentumSGDUpdate, MXNet SGD)
* sgd, lr outside:              v ← βv + g,    θ ← θ − η·v        (torch.optim.SGD)
* nesterov, ``lr_in_velocity``: v ← βv + η·g,  θ ← θ − (η·g + β·v) (Caffe2 nesterov=1, MXNet NAG)
* nesterov, lr outside:         v ← βv + g,    θ ← θ − η·(g + β·v) (torch.optim.SGD(nesterov=True))
  ``velocity_decay_after_step``: the velocity's λθ term reads the θ just written (MXNet's nag_mom_update);
* adam, t = k + ``adam_step_offset`` for update k = 1, 2, …:
  m ← β₁m + (1−β₁)g,  s ← β₂s + (1−β₂)g²,
  ``adam_eps_corrected``: θ ← θ − η/(1−β₁ᵗ) · m/(√s/√(1−β₂ᵗ) + ε)   (torch.optim.Adam)
  otherwise:              θ ← θ − η·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√s + ε)   (MXNet Adam, Caffe2's Adam op)

With β = 0 and λ = 0, sgd is plain SGD, the tutorials' own update. Runs computed together share the kind of
update and the conventions (one recipe's); β, λ, β₁, β₂ and ε may differ from run to run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("sgd", "nesterov", "adam")


@dataclass(frozen=True, eq=False)
class Rule:
    """The update of R runs: the kind, per-run hyperparameters (arrays of length R) and the conventions."""

    kind: str
    momentum: np.ndarray
    weight_decay: np.ndarray
    beta1: np.ndarray
    beta2: np.ndarray
    eps: np.ndarray
    lr_in_velocity: bool = False
    velocity_decay_after_step: bool = False
    adam_step_offset: int = 0
    adam_eps_corrected: bool = True

    @classmethod
    def plain(cls, runs: int) -> Rule:
        """Plain SGD for ``runs`` runs (no momentum, no weight decay)."""
        zero = np.zeros(runs)
        return cls("sgd", zero, zero, zero, zero, np.ones(runs))

    @classmethod
    def of(cls, recipes) -> Rule:
        """The rule of these recipes' runs: one kind and one set of conventions for all (else ValueError)."""
        recipes = list(recipes)
        first = recipes[0]
        conventions = ("optimizer", "lr_in_velocity", "velocity_decay_after_step", "adam_step_offset",
                       "adam_eps_corrected")
        for r in recipes[1:]:
            if any(getattr(r, k) != getattr(first, k) for k in conventions):
                raise ValueError("runs computed together need one optimizer and one set of conventions")

        def column(name):
            return np.array([float(getattr(r, name)) for r in recipes])

        return cls(first.optimizer, column("momentum"), column("weight_decay"), column("beta1"), column("beta2"),
                   column("eps"), bool(first.lr_in_velocity), bool(first.velocity_decay_after_step),
                   int(first.adam_step_offset), bool(first.adam_eps_corrected))

    @property
    def runs(self) -> int:
        return len(self.momentum)

    @property
    def code(self) -> int:
        """0 sgd, 1 nesterov, 2 adam (what the compiled loop branches on)."""
        return KINDS.index(self.kind)

    @property
    def has_velocity(self) -> bool:
        """Whether the state holds a velocity besides θ (any momentum): the update is affine in [θ, v]."""
        return self.kind == "nesterov" or (self.kind == "sgd" and bool((self.momentum > 0).any()))

    @property
    def affine(self) -> bool:
        """Whether each step is an affine map of the state (every kind but Adam)."""
        return self.kind != "adam"

    @property
    def state_size(self) -> int:
        """How many vectors of P numbers each run carries: θ, and v (momentum) or m and s (Adam)."""
        return 3 if self.kind == "adam" else 2 if self.has_velocity else 1

    def take(self, index) -> Rule:
        """The rule of some of the runs (``index`` into the per-run arrays)."""
        pick = {k: np.asarray(getattr(self, k))[index] for k in ("momentum", "weight_decay", "beta1", "beta2",
                                                                  "eps")}
        return Rule(self.kind, **pick, lr_in_velocity=self.lr_in_velocity,
                    velocity_decay_after_step=self.velocity_decay_after_step,
                    adam_step_offset=self.adam_step_offset, adam_eps_corrected=self.adam_eps_corrected)


def adam_factors(rule: Rule, k):
    """For update k (1, 2, …; an int, or an array of them along a last axis) of every run: the step factor
    √(1−β₂ᵗ)/(1−β₁ᵗ) and ε as added to √s (ε·√(1−β₂ᵗ) when ε is added to √ŝ), t = k + adam_step_offset;
    float64 arrays of shape (R,) for an int k, (R, T) for k of shape (1, T)."""
    t = np.asarray(k) + rule.adam_step_offset
    b1, b2, eps = (a if t.ndim == 0 else a[:, None] for a in (rule.beta1, rule.beta2, rule.eps))
    root = np.sqrt(1 - b2 ** t)
    return root / (1 - b1 ** t), eps * root if rule.adam_eps_corrected else eps + 0 * root
