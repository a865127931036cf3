"""The one table of settings: for each, its type, allowed range, unit, one-line help and slider scale.

Everything that needs a fact about a setting reads it here: validation (:meth:`Setting.check`, used by
``Recipe.with_settings`` and the Lab), the command line's flags and help, the sliders' tooltips and
scales, and the tests' strategies (:meth:`Setting.examples_outside`). Adding a setting is one row.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass


class InvalidSetting(ValueError):
    """A setting outside its allowed range. ``field`` names it, ``allowed`` says the range."""

    def __init__(self, field: str, allowed: str, value: object):
        self.field = field
        self.allowed = allowed
        self.value = value
        super().__init__(f"{field} must be {allowed}, got {value!r}")


MAX_STEPS = 2_000_000
OPTIMIZERS = ("sgd", "nesterov", "adam")
MAX_BATCH = 100_000


@dataclass(frozen=True)
class Setting:
    """One setting. ``kind`` is ``int``, ``float`` or ``str``; the range is [low, high] (``low_open``: low excluded,
    ``high_open``: high excluded; ``high`` None: no upper bound). A ``str`` setting is a choice among ``choices``
    (its low and high are None). ``scale`` is how a slider moves it: "log", "linear", "box" (typed) or "choice"."""

    name: str
    kind: type
    low: float
    high: float | None
    help: str
    label: str
    unit: str = ""
    scale: str = "linear"
    low_open: bool = False
    whole_only: bool = False
    """An int setting that refuses even 2.0 (a seed is a whole number, never a float)."""
    high_open: bool = False
    choices: tuple[str, ...] = ()
    """The allowed values of a choice setting (``kind`` str)."""
    default: object = None
    """The value a recipe has unless told otherwise (None: each recipe has its own, e.g. the tutorial's lr)."""

    @property
    def flag(self) -> str:
        """The command-line option: ``--batch-size`` for ``batch_size``."""
        return "--" + self.name.replace("_", "-")

    def allowed(self, high: float | None = None) -> str:
        """The allowed range in words (``high`` replaces the table's upper bound, e.g. a dataset's size)."""
        if self.choices:
            return f"one of {', '.join(self.choices)}"
        top = self.high if high is None else high
        if self.kind is int:
            return f"an integer in [{self.low}, {top}]" if top is not None else f"an integer ≥ {self.low}"
        if top is None:
            return f"a number {'>' if self.low_open else '≥'} {self.low:g}"
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open else "]"
        return f"a number in {lo}{self.low:g}, {top:g}{hi}"

    def check(self, value, high: float | None = None):
        """``value`` as this setting's type, or :class:`InvalidSetting` naming the field and its range.
        Nothing is corrected: 2.5 for an integer is refused, 2.0 is taken as 2."""
        top = self.high if high is None else high
        allowed = self.allowed(high)
        if self.choices:
            if not isinstance(value, str) or value not in self.choices:
                raise InvalidSetting(self.name, allowed, value)
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InvalidSetting(self.name, allowed, value)
        if self.kind is int:
            if not isinstance(value, numbers.Integral):
                if self.whole_only or not (math.isfinite(value) and float(value).is_integer()):
                    raise InvalidSetting(self.name, allowed, value)
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise InvalidSetting(self.name, allowed, value)
        if (value < self.low or (self.low_open and value == self.low)
                or (top is not None and (value > top or (self.high_open and value == top)))):
            raise InvalidSetting(self.name, allowed, value)
        return value

    def examples_outside(self, high: float | None = None) -> list:
        """Values this setting refuses (for tests): just outside each end, the wrong type, not finite."""
        if self.choices:
            return [self.choices[0].upper(), "", " " + self.choices[0], None, 0, True]
        top = self.high if high is None else high
        out = [self.low - 1, float("nan"), "1", None, True]
        if self.low_open:
            out.append(self.low)
        if top is not None:
            out += [top + 1, float("inf")]
            if self.high_open:
                out.append(top)
        else:
            out.append(float("inf"))
        if self.kind is int:
            out.append(self.low + 0.5)
        return out


TABLE: dict[str, Setting] = {s.name: s for s in (
    Setting("lr", float, 0.0, 10.0, "base learning rate: the step length α", "lr (α)", scale="log",
            low_open=True),
    Setting("gamma", float, 0.0, 1.0, "decay factor: the rate is multiplied by γ every stepsize steps",
            "γ (decay)", low_open=True),
    Setting("stepsize", int, 1, MAX_STEPS,
            "SGD steps (iterations) between two learning-rate decays by γ — not the step length α",
            "stepsize", unit="steps"),
    Setting("batch_size", int, 1, MAX_BATCH, "examples averaged in each SGD step", "batch size",
            unit="examples"),
    Setting("noise", float, 0.0, 100.0, "standard deviation σ of the label noise (new data on release)",
            "noise σ"),
    Setting("steps", int, 1, MAX_STEPS, "SGD steps to run", "steps", unit="steps"),
    Setting("epochs", int, 1, 10_000, "passes over the dataset", "epochs", unit="passes"),
    Setting("seed", int, 0, None, "random seed of the data, the start θ₀ and the shuffling", "seed",
            scale="box", whole_only=True),
    Setting("optimizer", str, None, None, "the update rule: sgd (heavy-ball momentum when momentum > 0), nesterov "
            "or adam — each with its framework's own conventions", "optimizer", scale="choice",
            choices=OPTIMIZERS, default="sgd"),
    Setting("momentum", float, 0.0, 1.0, "momentum β of sgd and nesterov: the velocity keeps β of itself each step "
            "(nesterov needs β > 0)", "momentum", high_open=True, default=0.0),
    Setting("beta1", float, 0.0, 1.0, "Adam's decay β₁ of the mean of the gradients", "β₁ (Adam)",
            high_open=True, default=0.9),
    Setting("beta2", float, 0.0, 1.0, "Adam's decay β₂ of the mean of the squared gradients", "β₂ (Adam)",
            high_open=True, default=0.999),
    Setting("eps", float, 0.0, None, "Adam's ε, added to the root of the squared-gradient mean", "ε (Adam)",
            scale="log", low_open=True, default=1e-8),
    Setting("weight_decay", float, 0.0, None, "weight decay λ: the gradient becomes g + λθ (every parameter, the "
            "bias too), the gradient of loss + λ/2·|θ|²", "weight decay", default=0.0),
)}

SLIDERS = ("lr", "gamma", "stepsize", "batch_size", "noise")
"""The settings a teacher moves with a slider, in the order the UI shows them."""

OPTIMIZER_SETTINGS = ("optimizer", "momentum", "beta1", "beta2", "eps", "weight_decay")
"""The optimizer's settings: each has a table default, the same for every recipe."""

SETTINGS = (*SLIDERS, "steps", "epochs", *OPTIMIZER_SETTINGS)
"""Every override a recipe accepts (``seed`` is taken by the engine itself)."""


def check_seed(seed) -> int:
    """The seed as an int, or :class:`InvalidSetting` (an integer ≥ 0)."""
    return TABLE["seed"].check(seed)


def check_choice(name: str, value, choices) -> None:
    """Refuse ``value`` unless it is one of ``choices`` (the error names ``name`` and the choices)."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidSetting(name, f"one of {', '.join(map(str, choices))}", value)
