"""The Lab's widgets and its state, kept in step: :class:`Binding`."""

from __future__ import annotations

from functools import partial

from ...recipes.settings import TABLE
from ...recipes.tutorials import RECIPES, InvalidSetting
from ...words import refusal
from .readouts import WARN_COLOR, Readouts
from .real_run import FIXED
from .sliders import parse_typed, show_value, shown_text
from .state import CONTROLLED, VIEW, LabState
from .widgets import setting_help

WIDGET_OF = {"real": "framework", "position": "step"}


class Binding:
    """Shows the state on the controls, and hands what a student moves or types to ``change`` (the Lab's one
    way to change its state); when the change is refused, the control is put back and the reason said under it.
    A control that shows what the state holds is heard as no change, so no flags are needed to keep them apart."""

    def __init__(self, controls: dict, typed: dict, state: LabState, readouts: Readouts, change):
        self.controls = controls
        self.typed = typed
        self.state = state
        self.readouts = readouts
        self.w = readouts.w  # the Lab's language
        self.change = change
        self._note: tuple | None = None  # ((control, value it was clamped to), what to say)

    def listen(self) -> None:
        c = self.controls
        for name in (*CONTROLLED, "seed", "recipe", "real", "standardize", "position", "pair", "zoom"):
            c[WIDGET_OF.get(name, name)].observe(partial(self.heard, name), names="value")
        for name in self.typed:  # the numeric settings: a slider that may clamp, and a box to type into
            c[name].on_clamp = self.clamped
            self.typed[name].observe(partial(self.typed_in, name), names="value")

    def current(self, name: str):
        return self.state.tutorial.name if name == "recipe" else self.shown(name)

    def shown(self, name: str):
        """What the control of ``name`` shows: the state's value; for the run length the tutorial does not
        count in (its slider is hidden), the length in those units."""
        s = self.state
        value = getattr(s, name)
        if value is None and name == "epochs":  # a stream has no epochs: its hidden slider stands at 1
            return 1
        if value is None and name == "steps":
            return s.epochs * -(-s.tutorial.n_examples // s.batch_size)
        return value

    def heard(self, name: str, change) -> None:
        """A student moved a control: change the state, or put the control back and say why."""
        value, current = change["new"], self.current(name)
        if value == current or value is None:
            return
        clamp, self._note = self._note, None
        note = clamp[1] if clamp and clamp[0] == (name, value) else None  # this very value was clamped
        lr = self.state.lr
        try:
            self.change({name: value})
        except (InvalidSetting, ValueError) as err:
            self.show({"name": name, "new": getattr(self.state, name, current)})
            self.readouts.say(self.w("Refused: {why}. {name} stays at {value}.", why=refusal(err, self.w), name=name,
                                     value=_fmt(current)), at=name)
            return
        except Exception as err:  # noqa: BLE001 - whatever went wrong, say so and keep the last good run
            self.show({"name": name, "new": getattr(self.state, name, current)})
            self.readouts.say(self.w("Could not run with {name} = {value}: {why}. {name} stays at {current}.",
                                     name=name, value=repr(value), why=err, current=_fmt(current)), at=name)
            return
        if name == "standardize" and self.state.lr != lr:
            new, factor = self.state.lr, max(self.state.lr, lr) / min(self.state.lr, lr)
            note = self.w("lr {old} → {new}: it keeps its fraction of the stability limit 2/λmax, which grew ×{factor}"
                          if new > lr else "lr {old} → {new}: it keeps its fraction of the stability limit 2/λmax, "
                          "which shrank ×{factor}", old=_fmt(lr), new=f"{new:.3g}", factor=f"{factor:.3g}")
            self.readouts.say(note, color=WARN_COLOR, at="lr")
        elif name not in VIEW:
            self.readouts.say(note, color=WARN_COLOR, at=name)

    def typed_in(self, name: str, change) -> None:
        """A value typed into a setting's box: taken exactly as typed, or refused with the reason."""
        kind, current = TABLE[name].kind, self.shown(name)
        if change["new"] == shown_text(kind, current):
            return  # the box shows the state (a push from it)
        try:
            value = parse_typed(name, kind, change["new"])
        except ValueError as err:
            self.show({"name": name, "new": getattr(self.state, name)})
            self.readouts.say(self.w("Refused: {why}. {name} stays at {value}.", why=refusal(err, self.w), name=name,
                                     value=_fmt(current)), at=name)
            return
        self.heard(name, {"new": value})

    def clamped(self, widget, asked, got) -> None:
        name = next((k for k, w in self.controls.items() if w is widget), "value")
        if name == "epochs" and self.state.tutorial.streaming:  # its epochs slider is hidden, pinned at 1
            text = self.w("epochs: {recipe} draws a fresh batch every step: use steps.",
                          recipe=self.state.tutorial.name)
        else:
            base = getattr(widget, "base", None)
            lo, hi = (base ** widget.min, base ** widget.max) if base else (widget.min, widget.max)
            text = self.w("{name} = {asked} is outside the slider's range [{lo}, {hi}]; using {got} instead.",
                          name=name, asked=f"{asked:g}", lo=f"{lo:g}", hi=f"{hi:g}", got=f"{got:g}")
        self._note = ((name, got), text)
        self.readouts.say(text, color=WARN_COLOR, at=name)

    def show(self, change) -> None:
        """The state changed: show it on the widgets (which then hear a value equal to the state's)."""
        name, value = change["name"], change["new"]
        c = self.controls
        if name == "tutorial":
            if value.name in RECIPES:
                c["recipe"].value = value.name
            self._show_noise_use(value)
            return
        if name == "pins":
            return
        if name == "real":
            for fixed in FIXED:
                c[fixed].disabled = value
                if fixed in self.typed:
                    self.typed[fixed].disabled = value
        if name == "position":
            return  # the step controls follow the frame (_show)
        if name == "gamma":
            self._show_stepsize_use(value)
        if name == "optimizer":
            self._show_optimizer_use(value)
        if name in CONTROLLED:
            value = self.shown(name)
            if name in self.typed:
                self.typed[name].value = shown_text(TABLE[name].kind, value)
        show_value(c[WIDGET_OF.get(name, name)], value)

    def _show_optimizer_use(self, optimizer: str) -> None:
        """Only the settings the chosen optimizer uses are shown (momentum for sgd and nesterov; β₁, β₂, ε for
        Adam); weight decay acts in all three."""
        for name, optimizers in ACTS.items():
            display = None if optimizer in optimizers else "none"
            self.controls[name].layout.display = display  # its row steps aside with it, typed box and note

    def _show_noise_use(self, tutorial) -> None:
        """Your own data has no noise to set: its labels were measured. The noise row steps aside and says why."""
        own = tutorial.data is not None
        widget, hint = self.controls["noise"], setting_help("noise", self.w)
        widget.disabled = self.typed["noise"].disabled = own
        widget.tooltip = (self.w("no noise to set: your own data's labels were measured, not drawn with noise") if own
                          else hint)
        reason = ("<div style='color:#555;padding:0 0 2px'>" + self.w("no noise to set: your data's labels were "
                                                                      "measured") + "</div>" if own else "")
        self.readouts.standing["noise"] = self.readouts.notes["noise"].value = reason

    def _show_stepsize_use(self, gamma: float) -> None:
        """stepsize does nothing while γ = 1: its slider steps aside and says so."""
        widget, hint = self.controls["stepsize"], setting_help("stepsize", self.w)
        widget.disabled = self.typed["stepsize"].disabled = gamma == 1
        widget.tooltip = (self.w("no effect while γ = 1 (no decay): set γ below 1 first. {hint}", hint=hint)
                          if gamma == 1 else hint)


ACTS = {"momentum": ("sgd", "nesterov"), "beta1": ("adam",), "beta2": ("adam",), "eps": ("adam",)}
"""Which optimizers each optimizer setting acts in: the others' rows step aside."""


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else repr(value)
