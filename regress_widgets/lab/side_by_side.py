"""The three tutorials side by side: one Lab each, sharing the seed, the play position and the real runs."""

from __future__ import annotations

import html

import ipywidgets as W

from ..engine.train import Run
from ..recipes.settings import check_seed
from ..recipes.tutorials import RECIPES
from ..words import Words, language_or_default
from .lab import Lab
from .screen.player import Player, play_button
from .screen.views import choose_display, with_still
from .share import side_by_side_url

SHARED_OPTIMIZERS = (("plain SGD (the tutorials')", ("sgd", 0.0)), ("heavy-ball momentum, β 0.9", ("sgd", 0.9)),
                     ("Nesterov, β 0.9", ("nesterov", 0.9)), ("Adam", ("adam", 0.0)))
"""The shared choice of update rule: each sets the optimizer and its momentum together (Nesterov needs β > 0)."""
PLAY_STRIDE = 0.005
"""The shared progress a frame of play moves (a whole run in 200 frames)."""


class SideBySide(W.VBox):
    """The three tutorials next to each other, sharing the seed and the play position.

    ``labs`` maps each recipe name to its :class:`Lab` (each keeps its own sliders). In columns, each Lab
    shows the compact panels (the path over the contours, and the loss: 277 px wide, so three fit a
    1280-px projector, JupyterLab's file browser open or not), lr and batch size under them and the other
    controls in a closed "more settings" accordion; ``columns=1`` stacks full Labs.
    The shared play position runs from 0 to 1 (a fraction of each run, whose lengths differ: 100, 25,000 and
    175 steps). ``real`` (a Checkbox) ticks every
    Lab's "real … run" box: each trains on its framework's recorded data and draws its recorded path; the
    shared seed is then the recordings' (disabled). ``language``: as :class:`Lab` takes it, for all three.
    ``SideBySide.from_url()``: the app a teacher's link describes (:mod:`.side_by_side_url`).
    """

    from_url = classmethod(side_by_side_url.from_url)
    hidden: tuple = ()

    def __init__(self, recipes=tuple(RECIPES), *, seed: int = 0, display: str = "auto", columns: int = 3,
                 language: str | None = None, **lab_kwargs):
        seed = check_seed(seed)
        language = language_or_default(language)
        self.words = w = Words(language)
        mode = choose_display(display)
        layout = "compact" if columns > 1 else "full"
        self.labs = {name: Lab(name, seed=seed, display=mode, layout=layout, show_recipe=False, show_seed=False,
                               language=language, **lab_kwargs) for name in recipes}
        self.seed = W.BoundedIntText(value=seed, min=0, max=2**31 - 1, description=w("shared seed"),
                                     style={"description_width": "90px"}, layout=W.Layout(width="220px"))
        self.progress = W.FloatSlider(min=0, max=1, step=0.005, value=1, description=w("progress"),
                                      readout_format=".0%", layout=W.Layout(width="480px"))
        self.player = Player(play_button(w), self._play_frame, at_end=lambda: self.progress.value >= 1,
                             restart=lambda: setattr(self.progress, "value", 0.0), w=w,
                             screens=lambda: [s for lab in self.labs.values() for s in lab.view.screens])
        self.play = self.player.button
        self.reset_all = W.Button(description=w("all back to the tutorials"), icon="undo",
                                  layout=W.Layout(width="220px"))
        self.real = W.Checkbox(value=False, description=w("the real frameworks' runs"), indent=False,
                               layout=W.Layout(width="auto"))
        self.real.tooltip = w("each Lab trains on the data its real framework drew (a shipped recording) and draws "
                              "the framework's recorded path")
        self.optimizer = W.Dropdown(options=[(w(text), value) for text, value in SHARED_OPTIMIZERS],
                                    value=SHARED_OPTIMIZERS[0][1], description=w("all three"),
                                    style={"description_width": "70px"}, layout=W.Layout(width="260px"))
        self.optimizer.tooltip = w("one update rule for the three tutorials, each with its framework's own "
                                   "conventions (where lr sits in the momentum, Adam's step counter)")
        self.optimizer.observe(self._on_optimizer, names="value")
        self.seed.observe(self._on_seed, names="value")
        self.real.observe(self._on_real, names="value")
        self.progress.observe(self._on_progress, names="value")
        self.reset_all.on_click(lambda _b: [lab.reset() for lab in self.labs.values()])
        # short titles, one line each, so the figures line up (the canvas names the tutorial)
        titles = [W.HTML(f"<h3 style='margin:4px 0;white-space:nowrap'>{html.escape(_short(name))}</h3>")
                  for name in self.labs]
        columns_box = W.GridBox([W.VBox([t, lab]) for t, lab in zip(titles, self.labs.values(), strict=True)],
                                layout=W.Layout(grid_template_columns=f"repeat({columns}, minmax(0, 1fr))",
                                                grid_gap="8px", width="100%"))
        header = W.HBox([self.seed, self.play, self.progress, self.reset_all, self.real, self.optimizer],
                        layout=W.Layout(flex_flow="row wrap", align_items="center"))
        super().__init__([header, columns_box], layout=W.Layout(width="100%"))

    def __repr__(self) -> str:
        return f"SideBySide({list(self.labs)!r}, seed={self.seed.value})"

    def _repr_mimebundle_(self, **kwargs):
        return with_still(super()._repr_mimebundle_(**kwargs), [lab.view.png() for lab in self.labs.values()])

    @property
    def runs(self) -> dict[str, Run]:
        return {name: lab.run for name, lab in self.labs.items()}

    def _on_optimizer(self, change) -> None:
        optimizer, momentum = change["new"]
        for lab in self.labs.values():
            lab.set(optimizer=optimizer, momentum=momentum)
        self._on_progress({"new": self.progress.value})

    def _on_seed(self, change) -> None:
        if self.real.value:  # the recordings' seeds: refused, and the box shows the labs' own seed again
            own = next(iter(self.labs.values())).state.own.get("seed", change["old"])
            if change["new"] != own:
                for lab in self.labs.values():
                    lab.readouts.say(self.words("Refused: seed = {seed}: the seed is the recordings' while the real "
                                                "runs are shown (untick them to change it). It stays at {own}.",
                                                seed=change["new"], own=own))
                self.seed.value = own
            return
        for lab in self.labs.values():
            lab.set(seed=change["new"])
        self._on_progress({"new": self.progress.value})

    def _on_progress(self, change) -> None:
        for lab in self.labs.values():
            lab.show_step(round(change["new"] * lab.run.steps), playing=True)

    def _play_frame(self) -> bool:
        """The play button's next frame: 1/200 of each run on (False at the end)."""
        if self.progress.value >= 1:
            return False
        self.progress.value = min(1.0, round(self.progress.value + PLAY_STRIDE, 3))
        return True

    def _on_real(self, change) -> None:
        for lab in self.labs.values():
            if not change["new"] or not lab.controls["framework"].disabled:
                lab.set(real=change["new"])
        self.seed.disabled = change["new"]
        self._on_progress({"new": self.progress.value})


def _short(name: str) -> str:
    """Caffe2, MXNet, PyTorch: the framework's name, the start of the recipe's title."""
    return RECIPES[name].title.split(" ")[0] if name in RECIPES else name
