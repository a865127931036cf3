"""The settings as command-line options, shared by ``run`` and ``record``: flags and help from the one table."""

from __future__ import annotations

from .settings import SETTINGS, SLIDERS, TABLE


def add_setting_options(parser) -> None:
    """``--lr --gamma --stepsize --batch-size --noise`` and ``--steps | --epochs`` (validated by the recipe)."""
    for name in SLIDERS:
        s = TABLE[name]
        parser.add_argument(s.flag, type=s.kind, dest=name, help=f"{s.help}; {s.allowed()}")
    length = parser.add_mutually_exclusive_group()
    for name in ("steps", "epochs"):
        s = TABLE[name]
        length.add_argument(s.flag, type=s.kind, dest=name, help=f"{s.help}; {s.allowed()}")


def settings_from(args) -> dict:
    """The overrides the user gave (``None`` where an option was left out)."""
    return {name: getattr(args, name) for name in SETTINGS}
