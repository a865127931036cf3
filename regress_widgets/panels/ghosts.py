"""Pinned runs: each stays on the contours and the loss panel as a faded path to compare with."""

from __future__ import annotations

from ..engine import Run
from .status import full_loss, last_finite_step
from .style import GHOST_COLORS
from .thinning import thin


class Ghosts:
    """The pinned runs, a part of :class:`~.figure.Panels`: drawn on its contour and loss panels, for its pair
    and landscape."""

    def add_ghost(self, run: Run, label: str = "") -> str:
        """Keep ``run`` as a faded path (and loss curve); returns the colour it is drawn in."""
        color = GHOST_COLORS[len(self._ghosts) % len(GHOST_COLORS)]
        (path,) = self.ax_contour.plot([], [], "-", color=color, lw=2.4, alpha=0.7, zorder=3, label=label)
        (loss,) = self.ax_loss.plot([], [], "-", color=color, lw=1.8, alpha=0.8, zorder=2.5)
        self.ax_contour.mark_dynamic(path)
        self.ax_loss.mark_dynamic(loss)
        self._ghosts.append((run, path, loss, color))
        self._redraw_ghost(self._ghosts[-1])
        self.draw_idle()
        return color

    def clear_ghosts(self) -> None:
        """Forget every pinned run."""
        for _, path, loss, _ in self._ghosts:
            self.ax_contour.forget_dynamic(path)
            self.ax_loss.forget_dynamic(loss)
            path.remove()
            loss.remove()
        self._ghosts.clear()
        self.draw_idle()

    @property
    def ghosts(self) -> list[Run]:
        return [g[0] for g in self._ghosts]

    def _redraw_ghost(self, ghost) -> None:
        run, path, loss, _ = ghost
        i, j = self.pair
        idx = thin(last_finite_step(run), self.max_points)
        path.set_data(run.theta[idx, i], run.theta[idx, j])
        if self.landscape is not None:
            loss.set_data(idx, full_loss(self.landscape, run.theta[idx]))

    def _redraw_ghosts(self) -> None:
        for ghost in self._ghosts:
            self._redraw_ghost(ghost)
