"""The Lab's state, declared once: :class:`LabState` holds every setting and view choice on screen.

It is the one owner (as ipympl declares a canvas's state as traitlets): the widgets show it and are
heard by the Lab, never mirrored; the run, the landscape and the picture are computed from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from traitlets import Bool, Dict, Float, HasTraits, Instance, Int, Tuple, Unicode

from ...panels import Path
from ...panels.style import GHOST_COLORS
from ...recipes.settings import OPTIMIZER_SETTINGS
from ...recipes.tutorials import Recipe

VIEW = ("position", "pair", "zoom", "pins")
"""What changes the picture but not the run."""

CONTROLLED = ("lr", "gamma", "stepsize", "batch_size", "noise", "steps", "epochs", *OPTIMIZER_SETTINGS)
"""The settings the Lab has a control (and a trait) for; others keep the recipe's value."""

MAX_PINS = len(GHOST_COLORS)
"""Pinned runs a Lab keeps (each has a ghost colour)."""


@dataclass(frozen=True, eq=False)
class Pin:
    """A pinned run: its path (drawn faded), and what the table of pins says of it."""

    path: Path
    number: int
    settings: dict
    seed: int
    final_loss: float
    status: str
    real: bool = False
    """Pinned while the real framework's run was shown (its data)."""
    standardize: bool = False
    """Pinned while your own data was trained standardized."""

    @property
    def row(self) -> dict:
        return {"n": self.number, "color": self.path.color, "seed": self.seed, **self.settings,
                "final_loss": self.final_loss, "status": self.status}


class LabState(HasTraits):
    """Everything a Lab shows, and nothing derived from it.

    ``tutorial`` is the recipe the Lab started from (one of the three, or your own); the settings are its
    overrides; ``real`` shows the real framework's recorded run (the settings it fixes are then the
    recording's, and ``own`` keeps the Lab's own to go back to); ``position`` is the step shown; ``pair`` and
    ``zoom`` the contour view; ``pins`` the pinned runs.
    """

    tutorial = Instance(Recipe)
    lr = Float()
    gamma = Float()
    stepsize = Int()
    batch_size = Int()
    noise = Float()
    steps = Int(None, allow_none=True)
    epochs = Int(None, allow_none=True)
    seed = Int(0)
    optimizer = Unicode("sgd")
    momentum = Float(0.0)
    beta1 = Float(0.9)
    beta2 = Float(0.999)
    eps = Float(1e-8)
    weight_decay = Float(0.0)
    standardize = Bool(False)
    """Your own data only: SGD trains on standardized features (the readouts stay in the data's units)."""
    real = Bool(False)
    own = Dict()
    position = Int(0)
    pair = Tuple((0, 1))
    zoom = Unicode("follow")
    pins = Tuple()
    language = Unicode("en")
    """The language of every text the Lab shows (set when it is made)."""

    @property
    def settings(self) -> dict:
        """The overrides of ``tutorial`` now (``steps`` or ``epochs``, whichever the tutorial counts)."""
        out = {name: getattr(self, name) for name in CONTROLLED[:5]}
        length = "steps" if self.tutorial.epochs is None else "epochs"
        out[length] = getattr(self, length)
        out.update({name: getattr(self, name) for name in OPTIMIZER_SETTINGS})
        return out

    def values(self) -> dict:
        """Every trait's value."""
        return {name: getattr(self, name) for name in self.trait_names()}
