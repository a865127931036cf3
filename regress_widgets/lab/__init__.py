"""The widgets a notebook shows: :class:`Lab` (one tutorial, sliders and panels), :class:`SideBySide`, exercises,
the stability map and the teacher's :class:`ClassBoard`. May import every floor below it (panels down to recipes).

    lab.py            Lab, the controller: hears a change, computes one frame, shows it
    side_by_side.py   the three tutorials next to each other, sharing seed and play position
    exercises.py      Exercise, exercise files (JSON/YAML) and the Exercises widget (back, next)
    board.py          ClassBoard: what the class predicted, live, from the class service
    stability_map.py  StabilityMap: the stability map as a widget, linked to a Lab
    ahead.py          the other recipes laid out while the class is idle
    url_state.py      a Lab's settings in a link, and hidden controls
    controls/         LabState (the one owner of every setting), sliders, what a change means, runs, readouts
    screen/           how the figure reaches the page: frames, play, pacing, kept panels
    classroom/        an exercise's rules, predict then reveal, the answers, the link to the class
    share/            state, files, links, pictures and animations
"""

from .board import ClassBoard
from .controls.state import LabState
from .exercises import Exercise, Exercises, load_exercises
from .lab import Lab
from .side_by_side import SideBySide
from .stability_map import StabilityMap

__all__ = ["ClassBoard", "Exercise", "Exercises", "Lab", "LabState", "SideBySide", "StabilityMap", "load_exercises"]
