"""The header above the panels: the recipe's title, and a line with the settings of the run shown."""

from __future__ import annotations

from .frame import Frame
from .style import Layout


class Header:
    """The title and the settings line. Every number it states is the frame's run's own."""

    def __init__(self, ax, layout: Layout):
        self.ax = ax
        self.layout = layout
        ax.set_axis_off()
        self.title = ax.text(0.5, layout.title_y[0], "", ha="center", va="top", fontsize=layout.title_size[0],
                             fontweight="bold")
        self.subtitle = ax.text(0.5, layout.title_y[1], "", ha="center", va="top", fontsize=layout.title_size[1],
                                color="#333333")
        ax.mark_dynamic(self.title, self.subtitle)

    def update(self, frame: Frame) -> None:
        run = frame.run
        recipe = run.recipe
        T = run.steps
        # compact: the column above names the framework; the figure names its tutorial
        w = self.layout.w
        self.title.set_text(recipe.title.partition(" ")[2].strip('"') if self.layout.compact else _title(recipe, w))
        rule = optimizer_words(recipe, w)
        if self.layout.short_header:  # the decay replaces the run length, which the loss panel shows anyway
            tail = (w(" ×{gamma} every {stepsize}", gamma=f"{recipe.gamma:g}", stepsize=recipe.stepsize)
                    if recipe.gamma < 1 else w(" · {n} steps", n=f"{T:,}"))
            self.subtitle.set_text(f"{rule + ' · ' if rule else ''}lr {recipe.lr:.4g} · "
                                   f"{w('batch {n}', n=recipe.batch_size)} · {_noise(recipe, 'σ ', w)}{tail}")
        else:
            decay = (w("γ {gamma} every {stepsize} steps (stepsize)", gamma=f"{recipe.gamma:g}",
                       stepsize=recipe.stepsize) if recipe.gamma < 1 else w("constant (γ = 1)"))
            length = w("{n} steps", n=f"{T:,}") + (w(" = {n} epochs", n=recipe.epochs) if recipe.epochs else "")
            self.subtitle.set_text(f"{rule + '  ·  ' if rule else ''}lr {recipe.lr:.4g}, {decay}  ·  "
                                   f"{w('batch {n}', n=recipe.batch_size)}  ·  {_noise(recipe, w('noise σ '), w)}"
                                   f"  ·  {w('seed {n}', n=run.seed)}  ·  {length}")


def _title(recipe, w) -> str:
    """The recipe's title; your own data's (rw.from_data words it) in the figure's language."""
    own = recipe.data
    if own is not None and recipe.title == f"{own.name} ({own.n:,} rows, {own.like} conventions)":
        return w("{name} ({n} rows, {like} conventions)", name=own.name, n=f"{own.n:,}", like=own.like)
    return recipe.title


def _noise(recipe, words: str, w) -> str:
    """The label noise; for your own data whether it trains standardized (its labels have no noise setting)."""
    if recipe.data is not None:
        return w("standardized") if recipe.data.standardize else w("own units")
    return f"{words}{recipe.noise:g}"


def optimizer_words(recipe, w=None) -> str:
    """The update rule when it is not plain SGD: 'momentum β 0.9', 'Nesterov β 0.9', 'Adam β₁ 0.9 β₂ 0.999 ε 1e-08',
    with ', weight decay λ 0.01' when there is some; '' for the tutorials' plain SGD."""
    w = w or (lambda text, **values: text.format(**values))
    o = recipe.optimizer
    words = {"adam": f"Adam β₁ {recipe.beta1:g} β₂ {recipe.beta2:g} ε {recipe.eps:g}",
             "nesterov": f"Nesterov β {recipe.momentum:g}"}.get(o, w("momentum β {beta}", beta=f"{recipe.momentum:g}")
                                                                 if recipe.momentum > 0 else "")
    if recipe.weight_decay > 0:
        words = f"{words + ', ' if words else ''}{w('weight decay λ {value}', value=f'{recipe.weight_decay:g}')}"
    return words
