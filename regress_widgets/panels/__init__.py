"""The panels a student watches: one matplotlib Figure whose artists are made once, then updated in place.

:class:`Panels` (:mod:`.figure`) draws, for one recipe,

1. the loss contours with the SGD path over them (the headline panel, :mod:`.contour`): ground truth ★,
   least-squares optimum ✕, start, current position, the steps where the learning rate decays; a choice
   of the two parameters that form the plane (the others held at their least-squares value); a view that
   follows the path or shows the whole basin;
2. the loss per step (and per epoch) on a log scale, with the full-data loss and its floor (:mod:`.loss`);
3. the data with the true and the fitted line (:mod:`.data_panel`);
4. every parameter against the iteration, the truth dashed (:mod:`.parameters`);
5. the learning-rate schedule η(t), with the stability limit 2/λ_max (:mod:`.schedule`).

Nothing is cleared and redrawn: :meth:`Panels.update` sets the data of existing artists and asks the
canvas for an idle redraw. Every panel is a :class:`~.cached_axes.CachedAxes`, which pastes what did not
change from a bitmap.
"""

from .figure import Panels, save_png
from .status import Status, full_loss, last_finite_step, run_status
from .style import LAYOUTS, STATUS_COLORS
from .thinning import MAX_POINTS, thin
from .ticks import nice_ceil

__all__ = ["LAYOUTS", "MAX_POINTS", "STATUS_COLORS", "Panels", "Status", "full_loss", "last_finite_step",
           "nice_ceil", "run_status", "save_png", "thin"]
