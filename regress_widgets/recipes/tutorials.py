"""The three toy-regression tutorials as data.

A :class:`Recipe` says everything the engine needs to reproduce one tutorial: the
ground truth, how inputs and label noise are drawn, whether the data is a fixed
dataset or a fresh batch every step, how parameters start, the loss convention
and the learning-rate schedule with its counting convention. The engine reads
these fields; it never asks which framework a recipe came from.

Every override goes through :func:`Recipe.with_settings`, the one place where
settings are validated. A bad value raises :class:`InvalidSetting`, whose message
names the field and its allowed range.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .settings import MAX_BATCH, MAX_STEPS, OPTIMIZER_SETTINGS, SETTINGS, SLIDERS, TABLE, InvalidSetting
from .your_data import OwnData

__all__ = ["MAX_BATCH", "MAX_STEPS", "RECIPES", "SETTINGS", "SLIDERS", "Distribution", "InvalidSetting", "Recipe",
           "get_recipe", "param_names"]


@dataclass(frozen=True)
class Distribution:
    """A per-coordinate input distribution: ``normal(loc, scale)`` or ``uniform(low, high)``."""

    kind: str
    a: float
    b: float

    @property
    def mean(self) -> float:
        return self.a if self.kind == "normal" else (self.a + self.b) / 2

    @property
    def variance(self) -> float:
        return self.b**2 if self.kind == "normal" else (self.b - self.a) ** 2 / 12

    def describe(self) -> str:
        name = "N" if self.kind == "normal" else "Uniform"
        return f"{name}({self.a:g}, {self.b:g})"


@dataclass(frozen=True)
class Recipe:
    """One tutorial, exactly. θ = [w_1 … w_d, b] (weights first, bias last)."""

    name: str
    title: str
    source: str
    w_true: tuple[float, ...] | None
    """The weights that made the data; None for your own data (the truth is unknown)."""
    b_true: float | None
    x: Distribution | None
    """How inputs are drawn; None for your own data (a fixed dataset, :attr:`data`)."""
    n_examples: int | None
    """Size of the fixed dataset; ``None`` means a fresh batch is drawn every step."""
    init_w: Distribution | None
    """How the weights start; ``None`` means zeros."""
    init_b: Distribution | None
    """How the bias starts; ``None`` means zero."""
    loss_scale: float
    """loss = loss_scale · mean((prediction − label)²): 0.5 for Caffe2, 1 for plain MSE."""
    first_iteration: int
    """Step k (0-based) uses lr · gamma^((k + first_iteration) // stepsize)."""
    framework_dtype: str
    lr: float
    gamma: float
    stepsize: int
    batch_size: int
    noise: float
    steps: int | None = None
    epochs: int | None = None
    optimizer: str = "sgd"
    momentum: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0
    # --- the optimizer conventions of the recipe's framework (measured on the real frameworks) ---
    lr_in_velocity: bool = False
    """Momentum of sgd and nesterov. True: v ← βv + lr·g and θ ← θ − v (sgd), θ ← θ − (lr·g + β·v) (nesterov):
    Caffe2's MomentumSGDUpdate, MXNet's SGD and NAG. False: v ← βv + g and θ ← θ − lr·v (sgd),
    θ ← θ − lr·(g + β·v) (nesterov): PyTorch's SGD. The same at a constant lr; not once it decays."""
    velocity_decay_after_step: bool = False
    """Nesterov only: the velocity's weight-decay term reads θ after the step, v ← βv + lr·(g + λθ_new) (MXNet's
    nag_mom_update writes the weight in place before it updates the momentum); False: λθ of the step's start."""
    adam_step_offset: int = 0
    """Adam's bias corrections use t = k + adam_step_offset for update k = 1, 2, …: 0 for PyTorch and MXNet,
    1 for Caffe2 (its Adam op uses ITER + 1, and Iter has already counted the step)."""
    adam_eps_corrected: bool = True
    """True: ε is added to √v̂ = √(v/(1−β₂ᵗ)) (PyTorch); False: lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε) (MXNet, Caffe2)."""
    names: tuple[str, ...] | None = None
    """The tutorial's own names of θ's entries (PyTorch's k and m); None: w0, w1, …, b."""
    data: OwnData | None = None
    """Your own dataset (:mod:`~.your_data`, made by :func:`regress_widgets.from_data`), compared and hashed by its
    content digest; None for the tutorials' seeded synthetic data."""

    def __post_init__(self):  # a recipe made any way (dataclasses.replace too) holds only allowed settings
        top = None if self.streaming else self.n_examples
        for name in SETTINGS:
            value = getattr(self, name)
            if value is not None:
                TABLE[name].check(value, high=top if name == "batch_size" else None)
        if (self.steps is None) == (self.epochs is None):
            raise InvalidSetting("steps", "given, or epochs, but not both", self.steps)
        if self.epochs is not None and self.streaming:
            raise InvalidSetting("epochs", f"left out: {self.name} draws a fresh batch every step, use steps",
                                 self.epochs)
        if self.total_steps > MAX_STEPS:
            raise InvalidSetting("steps", f"at most {MAX_STEPS:,} in all", self.total_steps)
        if self.optimizer == "nesterov" and self.momentum == 0:
            raise InvalidSetting("momentum", "a number in (0, 1) with optimizer nesterov", self.momentum)
        if isinstance(self.adam_step_offset, bool) or not isinstance(self.adam_step_offset, int) \
                or self.adam_step_offset < 0:
            raise InvalidSetting("adam_step_offset", "an integer ≥ 0", self.adam_step_offset)
        if self.data is not None:
            if self.n_examples != self.data.n or self.w_true is not None or self.b_true is not None:
                raise InvalidSetting("data", f"the recipe's dataset: n_examples {self.data.n}, no ground truth",
                                     self.n_examples)
            if self.noise != 0:
                raise InvalidSetting("noise", _NO_NOISE, self.noise)
        elif self.w_true is None or self.b_true is None or self.x is None:
            raise InvalidSetting("w_true", "the ground truth and input distribution of seeded data (or data=)",
                                 self.w_true)

    @property
    def dim(self) -> int:
        """Number of input features d (θ has d + 1 entries)."""
        return self.data.dim if self.data is not None else len(self.w_true)

    @property
    def has_truth(self) -> bool:
        """False for your own data: no ground truth made it, only the least-squares optimum is known."""
        return self.data is None

    @property
    def streaming(self) -> bool:
        return self.n_examples is None

    @property
    def theta_true(self) -> tuple[float, ...] | None:
        """The ground truth [w…, b]; None for your own data."""
        return None if self.w_true is None else (*self.w_true, self.b_true)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of θ = [w…, b] as the tutorial writes them, in every plot, readout and notebook."""
        return self.names or param_names(self.dim)

    @property
    def steps_per_epoch(self) -> int | None:
        if self.streaming:
            return None
        return -(-self.n_examples // self.batch_size)  # the last partial batch is kept

    @property
    def total_steps(self) -> int:
        if self.steps is not None:
            return self.steps
        return self.epochs * self.steps_per_epoch

    @property
    def settings(self) -> dict:
        """The slider values, run length and the optimizer settings that differ from their defaults (absent: the
        default), as overrides that rebuild this recipe."""
        out = {name: getattr(self, name) for name in SLIDERS}
        out["steps" if self.epochs is None else "epochs"] = (
            self.steps if self.epochs is None else self.epochs
        )
        out.update({k: v for k, v in self.optimizer_settings.items() if v != TABLE[k].default})
        return out

    @property
    def optimizer_settings(self) -> dict:
        """Every optimizer setting, defaults included (what a recording's meta carries)."""
        return {name: getattr(self, name) for name in OPTIMIZER_SETTINGS}

    def learning_rates(self, steps: int | None = None):
        """The learning rate of every step (a numpy array of length ``steps``)."""
        import numpy as np

        n = self.total_steps if steps is None else steps
        if self.gamma == 1:  # no decay: the same numbers, without 25,000 powers
            return np.full(n, self.lr * 1.0)
        k = np.arange(n) + self.first_iteration
        return self.lr * self.gamma ** (k // self.stepsize)

    def with_settings(self, **overrides) -> Recipe:
        """A copy with the given settings, each validated. ``steps`` and ``epochs`` exclude each other."""
        unknown = sorted(set(overrides) - set(SETTINGS))
        if unknown:
            raise InvalidSetting(unknown[0], f"one of {', '.join(SETTINGS)}", overrides[unknown[0]])
        overrides = {k: v for k, v in overrides.items() if v is not None}
        if self.data is not None and "noise" in overrides and overrides["noise"] != self.noise:
            raise InvalidSetting("noise", _NO_NOISE, overrides["noise"])
        clean = {}
        for name, value in overrides.items():
            top = self.n_examples if name == "batch_size" and not self.streaming else None
            clean[name] = TABLE[name].check(value, high=top)
        if "steps" in clean and "epochs" in clean:
            raise InvalidSetting("epochs", "left out when steps is given", clean["epochs"])
        if "epochs" in clean:
            if self.streaming:
                raise InvalidSetting(
                    "epochs", f"left out: {self.name} draws a fresh batch every step, use steps",
                    clean["epochs"],
                )
            clean["steps"] = None
        elif "steps" in clean:
            clean["epochs"] = None
        return replace(self, **clean)  # __post_init__ checks what the settings make together


_NO_NOISE = "left at 0 for your own data: its labels were measured, not drawn with noise"


def param_names(d: int) -> tuple[str, ...]:
    """Names of θ's entries as the plots label them: w, b in 1-D; w0, w1, …, b otherwise."""
    return ("w", "b") if d == 1 else (*(f"w{i}" for i in range(d)), "b")


RECIPES: dict[str, Recipe] = {
    "caffe2": Recipe(
        name="caffe2",
        title='Caffe2 "Toy Regression"',
        source="Caffe2 tutorials, Toy Regression (caffe2.ai)",
        w_true=(2.0, 1.5),
        b_true=0.5,
        x=Distribution("normal", 0.0, 1.0),
        n_examples=None,
        init_w=Distribution("uniform", -1.0, 1.0),
        init_b=None,
        loss_scale=0.5,  # SquaredL2Distance is 0.5·Σ(pred − y)², AveragedLoss the mean over rows
        first_iteration=1,  # Iter increments ITER before LearningRate reads it
        framework_dtype="float32",
        lr_in_velocity=True,  # MomentumSGDUpdate: m ← βm + lr·g, θ ← θ − m (nesterov: θ ← θ − ((1+β)m − β·m_old))
        adam_step_offset=1,  # the Adam op's t = ITER + 1, and Iter runs before it: the first update has t = 2
        adam_eps_corrected=False,  # Adam op: lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)
        lr=0.1,
        gamma=0.9,
        stepsize=20,
        batch_size=64,
        noise=1.0,
        steps=100,
        names=("W0", "W1", "B"),  # the tutorial's blobs W (1 × 2) and B
    ),
    "mxnet": Recipe(
        name="mxnet",
        title='MXNet "Linear regression from scratch"',
        source="MXNet The Straight Dope, chapter 2: linear regression from scratch",
        w_true=(2.0, -3.4),
        b_true=4.2,
        x=Distribution("normal", 0.0, 1.0),
        n_examples=10_000,
        init_w=Distribution("normal", 0.0, 1.0),
        init_b=Distribution("normal", 0.0, 1.0),
        loss_scale=1.0,
        first_iteration=0,
        framework_dtype="float32",
        lr_in_velocity=True,  # sgd_mom_update: m ← βm − lr·(g + λθ), θ ← θ + m; NAG's nag_mom_update alike
        velocity_decay_after_step=True,  # nag_mom_update writes the weight first, then the momentum reads it
        adam_step_offset=0,
        adam_eps_corrected=False,  # Adam: lr·√(1−β₂ᵗ)/(1−β₁ᵗ) applied to m/(√v + ε)
        lr=1e-4,
        gamma=1.0,
        stepsize=2500,  # one epoch at batch size 4; only matters when gamma < 1
        batch_size=4,
        noise=0.1,
        epochs=10,
    ),
    "pytorch": Recipe(
        name="pytorch",
        title='PyTorch "Getting started 1 – Linear regression"',
        source="Fredrik K. Gustafsson, Getting started with PyTorch: 1 - Linear regression (2019)",
        w_true=(3.0,),
        b_true=5.0,
        x=Distribution("uniform", -3.0, 3.0),
        n_examples=50,
        init_w=None,
        init_b=None,
        loss_scale=1.0,
        first_iteration=0,  # StepLR stepped after every optimizer step
        framework_dtype="float32",
        lr_in_velocity=False,  # torch.optim.SGD: v ← βv + g, θ ← θ − lr·v (nesterov: θ ← θ − lr·(g + βv))
        adam_step_offset=0,
        adam_eps_corrected=True,  # torch.optim.Adam: ε added to √v̂
        lr=0.01,
        gamma=1.0,
        stepsize=7,  # one epoch at batch size 8; only matters when gamma < 1
        batch_size=8,
        noise=0.5,
        epochs=25,
        names=("k", "m"),  # y = k·x + m
    ),
}


def get_recipe(recipe: str | Recipe) -> Recipe:
    """The recipe itself, or the one of that name (``InvalidSetting`` for an unknown name)."""
    if isinstance(recipe, Recipe):
        return recipe
    if isinstance(recipe, str) and recipe in RECIPES:
        return RECIPES[recipe]
    raise InvalidSetting("recipe", f"one of {', '.join(RECIPES)}", recipe)

