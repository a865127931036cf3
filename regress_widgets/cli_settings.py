"""The settings as command-line options, shared by ``run`` and ``record``: flags and help from the one table."""

from __future__ import annotations

from .settings import OPTIMIZER_SETTINGS, SETTINGS, SLIDERS, TABLE


def add_setting_options(parser) -> None:
    """``--lr --gamma --stepsize --batch-size --noise``, ``--steps | --epochs`` and the optimizer's ``--optimizer
    --momentum --beta1 --beta2 --eps --weight-decay`` (each validated by the recipe, not by argparse)."""
    for name in (*SLIDERS, *OPTIMIZER_SETTINGS):
        s = TABLE[name]
        default = f" (default {s.default:g})" if isinstance(s.default, float) else (
            f" (default {s.default})" if s.default is not None else "")
        parser.add_argument(s.flag, type=s.kind, dest=name, help=f"{s.help}; {s.allowed()}{default}")
    length = parser.add_mutually_exclusive_group()
    for name in ("steps", "epochs"):
        s = TABLE[name]
        length.add_argument(s.flag, type=s.kind, dest=name, help=f"{s.help}; {s.allowed()}")


def settings_from(args) -> dict:
    """The overrides the user gave (``None`` where an option was left out)."""
    return {name: getattr(args, name) for name in SETTINGS}
