"""regress_widgets: see stochastic gradient descent fit a line, three classic tutorials exactly."""

from .data import Dataset, Stream, initial_theta, make_dataset, make_stream
from .engine import Run, Sweep, sweep, train
from .landscape import Landscape
from .recipes import RECIPES, InvalidSetting, Recipe, get_recipe
from .recording import Recording, RecordingError, Replay, replay

__version__ = "0.1.0"

__all__ = [
    "RECIPES", "Dataset", "InvalidSetting", "Landscape", "Recipe", "Recording", "RecordingError", "Replay",
    "Run", "Stream", "Sweep", "get_recipe", "initial_theta", "make_dataset", "make_stream", "replay",
    "sweep", "train",
]
