"""The panels a student watches: one matplotlib Figure whose artists are made once, then updated in place.

:class:`Panels` (:mod:`.figure`) draws, for one recipe,

1. the loss contours with the SGD path over them (the headline panel, :mod:`.contour`): ground truth ★,
   least-squares optimum ✕, start, current position, the steps where the learning rate decays; a choice
   of the two parameters that form the plane (the others held at their least-squares value); a view that
   follows the path or shows the whole basin; a reference path (a real framework's) and pinned runs;
2. the loss per step (and per epoch) on a log scale, with the full-data loss and its floor (:mod:`.loss`);
3. the data with the true and the fitted line (:mod:`.data_panel`);
4. every parameter against the iteration, the truth dashed (:mod:`.parameters`);
5. the learning-rate schedule η(t), with the stability limit 2/λ_max (:mod:`.schedule`).

What they show is a :class:`~.frame.Frame` (:mod:`.frame`): a run on its landscape, the step shown and the
view, computed once per change. Nothing is cleared and redrawn: each panel sets the data of its own
artists. Every panel is a :class:`~.cached_axes.CachedAxes`, which pastes what did not change from a bitmap.
"""

from .figure import Panels, reference_path, save_png
from .frame import ZOOMS, Frame, Path, check_pair, check_zoom, make_frame
from .style import LAYOUTS, STATUS_COLORS
from .thinning import MAX_POINTS, thin
from .ticks import nice_ceil

__all__ = ["LAYOUTS", "MAX_POINTS", "STATUS_COLORS", "ZOOMS", "Frame", "Panels", "Path", "check_pair", "check_zoom",
           "make_frame", "nice_ceil", "reference_path", "save_png", "thin"]
