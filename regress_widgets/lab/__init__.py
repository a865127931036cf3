"""The widgets: one :class:`Lab` per tutorial (state, controls, views, layout, readouts) and :class:`SideBySide`.

    state.py         LabState: every setting and view choice, declared once (traitlets)
    lab.py           Lab: hears the controls, validates, computes one frame per change, shows it
    compute.py       data, streams and landscapes cached; the engine run
    controls.py      the sliders and buttons (labels, tooltips, scales from the settings table)
    views.py         how the figure reaches the screen: ipympl, PNG, or headless
    layout.py        where the widgets go (full, compact)
    readouts.py      the HTML readouts: step, stability limit, θ table and status, pins, messages
    real_run.py      the real framework's shipped recording, ready for the Lab
    side_by_side.py  the three tutorials next to each other
    stability_map.py StabilityMap: the stability map as a widget, linked to a Lab
    classroom.py     an exercise's rules on a Lab: fixed settings, hidden controls, the task, the prediction
    predict.py       predict, then reveal: the question and the student's prediction
    veil.py          what the figure hides until the prediction is committed, then the guess beside the run
    answers.py       what the engine says the prediction should have been
    exercise.py      Exercise, the exercise file (JSON/YAML) and the Exercises widget (back, next)
"""

from .controls.state import LabState
from .exercises import Exercise, Exercises, load_exercises
from .lab import Lab
from .side_by_side import SideBySide
from .stability_map import StabilityMap

__all__ = ["Exercise", "Exercises", "Lab", "LabState", "SideBySide", "StabilityMap", "load_exercises"]
