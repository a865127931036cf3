"""One picture of a replay: the framework's recorded path with the engine's over it, and their gap per step.

Sized for a notebook on a classroom screen: 8.6 inches at the inline backend's 100 dpi is about 870 px, so the
picture is shown at its own size, not shrunk, and its smallest text (11 pt) stays above 11 px. The legends sit
below the axes, where they cover no data.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .recording_meta import FRAMEWORK_NAMES

FIGSIZE = (8.6, 4.6)
TEXT = {"title": 12, "label": 11, "tick": 11, "legend": 11}


def _legend_below(ax):
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1, fontsize=TEXT["legend"], frameon=False)


def plot_replay(replay, figsize=FIGSIZE):
    """Left: the first two parameters' paths (framework thick orange, engine dashed black). Right: the largest
    |θ difference| and the |loss difference| at every step on a log scale, with the tolerance. Returns the Figure."""
    rec = replay.recording
    names = rec.recipe.param_names
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    name = FRAMEWORK_NAMES.get(rec.meta["framework"], rec.meta["framework"])
    ax1.plot(rec.theta[:, 0], rec.theta[:, 1], color="orange", lw=5, alpha=0.6, label=f"{name} (recorded)")
    ax1.plot(replay.theta[:, 0], replay.theta[:, 1], "k--", lw=1.2, label="regress_widgets engine (replay)")
    ax1.set_title("Parameter path: framework and engine", fontsize=TEXT["title"])
    ax1.set_xlabel(names[0], fontsize=TEXT["label"])
    ax1.set_ylabel(names[1], fontsize=TEXT["label"])
    steps = np.arange(len(rec.loss) + 1)
    with np.errstate(all="ignore"):  # NaN where either stopped producing numbers: not drawn
        theta_gap = np.abs(replay.theta - rec.theta).max(axis=1) + 1e-12
        loss_gap = np.abs(replay.loss - rec.loss) + 1e-12
    ax2.semilogy(steps, theta_gap, lw=1.2, label="parameters: largest |difference|")
    ax2.semilogy(steps[1:], loss_gap, lw=1.2, alpha=0.8, label="loss: |difference|")
    ax2.axhline(replay.tolerance, color="r", ls="--", lw=1.5, label=f"tolerance {replay.tolerance:g}")
    ax2.set_title("How far apart they are, step by step", fontsize=TEXT["title"])
    ax2.set_xlabel("step", fontsize=TEXT["label"])
    ax2.set_ylabel("engine − framework", fontsize=TEXT["label"])
    for ax in (ax1, ax2):
        ax.tick_params(labelsize=TEXT["tick"])
        _legend_below(ax)
    return fig
