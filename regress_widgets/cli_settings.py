"""The slider settings as command-line options, shared by ``run`` and ``record``."""

from __future__ import annotations

from .recipes import SETTINGS


def add_setting_options(parser) -> None:
    """``--lr --gamma --stepsize --batch-size --noise`` and ``--steps | --epochs`` (validated by the recipe)."""
    parser.add_argument("--lr", type=float, help="base learning rate (the step length α)")
    parser.add_argument("--gamma", type=float, help="step-decay factor of the learning rate")
    parser.add_argument("--stepsize", type=int, help="iterations between learning-rate decays (not α)")
    parser.add_argument("--batch-size", type=int, dest="batch_size", help="examples per SGD step")
    parser.add_argument("--noise", type=float, help="standard deviation of the label noise")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help="number of SGD steps")
    length.add_argument("--epochs", type=int, help="passes over a fixed dataset")


def settings_from(args) -> dict:
    """The overrides the user gave (``None`` where an option was left out)."""
    return {name: getattr(args, name) for name in SETTINGS}
