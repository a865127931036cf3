"""One picture of a replay: the framework's recorded path with the engine's over it, and their gap per step."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .recording import FRAMEWORK_NAMES


def plot_replay(replay, figsize=(12, 4.5)):
    """Left: the first two parameters' paths (framework thick orange, engine dashed black). Right: the largest
    |θ difference| and the |loss difference| at every step on a log scale, with the tolerance. Returns the Figure."""
    rec = replay.recording
    names = rec.recipe.param_names
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    name = FRAMEWORK_NAMES.get(rec.meta["framework"], rec.meta["framework"])
    ax1.plot(rec.theta[:, 0], rec.theta[:, 1], color="orange", lw=5, alpha=0.6, label=f"{name} (recorded)")
    ax1.plot(replay.theta[:, 0], replay.theta[:, 1], "k--", lw=1.2, label="regress_widgets engine (replay)")
    ax1.set(xlabel=names[0], ylabel=names[1], title="Parameter path: real framework and engine")
    ax1.legend()
    steps = np.arange(len(rec.loss) + 1)
    with np.errstate(all="ignore"):  # NaN where either stopped producing numbers: not drawn
        theta_gap = np.abs(replay.theta - rec.theta).max(axis=1) + 1e-12
        loss_gap = np.abs(replay.loss - rec.loss) + 1e-12
    ax2.semilogy(steps, theta_gap, lw=1, label="parameters: largest |difference|")
    ax2.semilogy(steps[1:], loss_gap, lw=1, alpha=0.7, label="loss: |difference|")
    ax2.axhline(replay.tolerance, color="r", ls="--", label=f"tolerance {replay.tolerance:g}")
    ax2.set(xlabel="step", ylabel="engine − framework (log scale)", title="How far apart they are, step by step")
    ax2.legend()
    return fig
