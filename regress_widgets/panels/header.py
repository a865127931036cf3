"""The header above the panels: the recipe's title, and a line with the settings of the run shown."""

from __future__ import annotations

from .fit_text import MIN_POINTS, fit_text, fits, room_centred
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
        ax.mark_dynamic(self.subtitle)  # the title changes with the recipe only: it stays in the cached pixels

    def update(self, frame: Frame) -> None:
        run = frame.run
        recipe = run.recipe
        T = run.steps
        # compact: the column above names the framework; the figure names its tutorial
        w = self.layout.w
        title = recipe.title.partition(" ")[2].strip('"') if self.layout.compact else _title(recipe, w)
        rule = optimizer_words(recipe, w)
        if self.layout.short_header:  # the decay replaces the run length, which the loss panel shows anyway
            tail = (w(" ×{gamma} every {stepsize}", gamma=f"{recipe.gamma:g}", stepsize=recipe.stepsize)
                    if recipe.gamma < 1 else w(" · {n} steps", n=f"{T:,}"))
            rest = f"lr {recipe.lr:.4g} · {w('batch {n}', n=recipe.batch_size)} · {_noise(recipe, 'σ ', w)}"
            short = optimizer_words(recipe, w, short=True)
            # a narrow column: the first that fits on one line (Adam's β₁, β₂, ε and the decay are on the sliders)
            options = [f"{rule} · {rest}{tail}" if rule else f"{rest}{tail}",
                       f"{short} · {rest}{tail}" if short else f"{rest}{tail}", f"{short} · {rest}" if short else rest]
            subtitle = next((o for o in options if self._fits_one_line(o)), options[-1])
        else:
            decay = (w("γ {gamma} every {stepsize} steps (stepsize)", gamma=f"{recipe.gamma:g}",
                       stepsize=recipe.stepsize) if recipe.gamma < 1 else w("constant (γ = 1)"))
            length = w("{n} steps", n=f"{T:,}") + (w(" = {n} epochs", n=recipe.epochs) if recipe.epochs else "")
            subtitle = (f"{rule + '  ·  ' if rule else ''}lr {recipe.lr:.4g}, {decay}  ·  "
                        f"{w('batch {n}', n=recipe.batch_size)}  ·  {_noise(recipe, w('noise σ '), w)}"
                        f"  ·  {w('seed {n}', n=run.seed)}  ·  {length}")
        self._fit(title, subtitle)

    def _fits_one_line(self, text: str) -> bool:
        fig = self.ax.get_figure(root=True)
        room = room_centred(self.subtitle, fig.bbox.x0, fig.bbox.x1)
        return fits(self.subtitle, text, room, MIN_POINTS / self.subtitle.get_fontsize())

    def _fit(self, title: str, subtitle: str) -> None:
        """Each line as wide as the figure at most: set smaller when too long (down to 8 pt), then wrapped; a
        title on two lines puts the settings line below it."""
        L, fig = self.layout, self.ax.get_figure(root=True)
        x0, x1 = fig.bbox.x0, fig.bbox.x1
        fit_text(self.title, title, room_centred(self.title, x0, x1), L.title_size[0], lines=2)
        fit_text(self.subtitle, subtitle, room_centred(self.subtitle, x0, x1), L.title_size[1], lines=2)
        extra = self.title.get_text().count("\n") * self.title.get_fontsize() * 1.2 / 72 * fig.dpi
        self.subtitle.set_y(L.title_y[1] - extra / max(self.ax.bbox.height, 1.0))


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


def optimizer_words(recipe, w=None, short: bool = False) -> str:
    """The update rule when it is not plain SGD: 'momentum β 0.9', 'Nesterov β 0.9', 'Adam β₁ 0.9 β₂ 0.999 ε 1e-08',
    with ', weight decay λ 0.01' when there is some; '' for the tutorials' plain SGD."""
    w = w or (lambda text, **values: text.format(**values))
    o = recipe.optimizer
    if short:  # the rule's name, and the decay's λ: "Adam, λ 0.01"
        name = {"adam": "Adam", "nesterov": f"Nesterov β {recipe.momentum:g}"}.get(
            o, f"β {recipe.momentum:g}" if recipe.momentum > 0 else "")
        decay = f"λ {recipe.weight_decay:g}" if recipe.weight_decay > 0 else ""
        return ", ".join(p for p in (name, decay) if p)
    words = {"adam": f"Adam β₁ {recipe.beta1:g} β₂ {recipe.beta2:g} ε {recipe.eps:g}",
             "nesterov": f"Nesterov β {recipe.momentum:g}"}.get(o, w("momentum β {beta}", beta=f"{recipe.momentum:g}")
                                                                 if recipe.momentum > 0 else "")
    if recipe.weight_decay > 0:
        words = f"{words + ', ' if words else ''}{w('weight decay λ {value}', value=f'{recipe.weight_decay:g}')}"
    return words
