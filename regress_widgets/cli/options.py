"""The settings as command-line options, shared by ``run`` and ``record``: flags and help from the one table."""

from __future__ import annotations

import os
from pathlib import Path

from ..recipes.settings import OPTIMIZER_SETTINGS, SETTINGS, SLIDERS, TABLE, InvalidSetting


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


def check_png(path: str) -> str:
    """A file the panels can be written to: a name ending in .png in an existing, writable folder."""
    allowed = "a file name ending in .png, in a folder that exists and can be written"
    if not path or Path(path).suffix.lower() != ".png" or os.path.isdir(path):
        raise InvalidSetting("png", allowed, path)
    folder = Path(path).parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InvalidSetting("png", allowed + f" ({folder} is not a writable folder)", path)
    return path
