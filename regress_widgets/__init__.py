"""regress_widgets: see stochastic gradient descent fit a line, three classic tutorials exactly."""

from .engine.stability_map import StabilityGrid, stability_map
from .engine.sweep import Sweep, sweep
from .engine.train import Run, train
from .frameworks.recording import Recording, RecordingError, Replay, replay
from .own_data import datasets
from .own_data.csv_file import read_csv
from .own_data.from_data import DataError, OwnData, from_data, standardized
from .recipes import data as data  # rw.data.batch_sizes, as the notebooks use it: the seeded draws
from .recipes.data import Dataset, Stream, initial_theta, make_dataset, make_stream
from .recipes.tutorials import RECIPES, InvalidSetting, Recipe, get_recipe
from .theory import landscape as landscape  # rw.landscape.limit_formula, as the notebooks use it
from .theory.landscape import Landscape
from .theory.stability import Stability

__version__ = "0.1.0"

_WIDGETS = {"ClassBoard": "lab",
            "Lab": "lab", "SideBySide": "lab", "LabState": "lab", "StabilityMap": "lab", "Exercise": "lab",
            "Exercises": "lab", "load_exercises": "lab", "Panels": "panels",
            "save_png": "panels", "map_figure": "panels.stability_panel"}


def __getattr__(name):  # the widgets import ipywidgets and matplotlib, frameworks graphviz: only when asked for
    import importlib

    if name in _WIDGETS:
        return getattr(importlib.import_module(f".{_WIDGETS[name]}", __name__), name)
    if name == "frameworks":  # rw.frameworks.caffe2_graph(...)
        return importlib.import_module(".frameworks", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "RECIPES", "ClassBoard", "DataError", "Dataset", "Exercise", "Exercises", "InvalidSetting", "Lab", "Landscape",
    "OwnData", "Panels", "Recipe", "Recording", "RecordingError", "Replay", "Run", "SideBySide", "Stability",
    "StabilityGrid", "StabilityMap", "Stream", "Sweep", "datasets", "from_data", "get_recipe", "initial_theta",
    "load_exercises", "make_dataset", "make_stream", "map_figure", "read_csv", "replay", "save_png", "stability_map",
    "standardized", "sweep", "train",
]
