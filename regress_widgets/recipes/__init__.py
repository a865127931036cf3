"""The floor everything stands on: the three tutorials as data (recipes), the one settings table, and the data each
tutorial draws from a seed. Imports numpy and nothing else of the package but ``words`` (none yet).

    settings.py   the ONE settings table: every setting's range, default, label; InvalidSetting
    tutorials.py  Recipe and RECIPES: Caffe2, MXNet and PyTorch, each convention a field (no framework branches)
    data.py       the seeded draws: a fixed Dataset or a Stream of fresh batches, and their batch orders
    your_data.py  OwnData: a dataset of your own as a recipe holds it
"""

from .settings import InvalidSetting
from .tutorials import (
    MAX_BATCH,
    MAX_STEPS,
    RECIPES,
    SETTINGS,
    SLIDERS,
    Distribution,
    Recipe,
    get_recipe,
    param_names,
)

__all__ = ["MAX_BATCH", "MAX_STEPS", "RECIPES", "SETTINGS", "SLIDERS", "Distribution", "InvalidSetting", "Recipe",
           "get_recipe", "param_names"]
