"""Predict, then reveal: a question the student answers before the run is shown (:class:`Question`), and the
one object that owns the answer (:class:`Prediction`).

A question is one of three kinds (what "right" means for each: :mod:`~regress_widgets.lab.classroom.answers`):

* ``point`` — "where will θ be after ``step`` steps?": the student clicks on the contours (the Lab's screen or
  ipympl's canvas) or types the two coordinates; the reveal draws the guess ✚, a line to θ after that step and
  says their distance in the plane;
* ``choice`` — "will it converge, oscillate or diverge?" (``choices``: two or more of
  :data:`~regress_widgets.lab.classroom.answers.OUTCOMES`);
* ``number`` — "what is the first lr that diverges?" (``answer``: ``first_diverging_lr`` or
  ``stability_limit``; right within ``tolerance``, relative).

Until the student commits, the Lab hides what would give the answer away: the SGD path, the current θ and the
alarm on the contours, every other panel (losses, parameters, learning rate, fitted line), the readouts (θ,
status, stability limit) — and the controls that would show it are disabled (play, step, zoom, plane, pins,
the real run). The contours show the whole basin meanwhile, so a click is never guided by the path's extent.
The result is kept as committed (settings moved later do not move it); the guess and the line to the actual θ
are drawn while the contour plane is the one the guess was made in.

"try again" (:meth:`Prediction.try_again`, a button shown after the reveal): the result and the guess are cleared,
the Lab goes back to the whole basin without pins or the real run, and the path is hidden again until the next
commit (settings moved since the reveal stay: a new prediction for a new lr is the point of trying again).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import ipywidgets as W

from ...recipes.tutorials import InvalidSetting
from ...words import ENGLISH, Words, refusal
from .answers import number_answer, outcome, point_answer, relative_error
from .question import Question
from .veil import Veil

LOCKED = ("play", "step", "zoom", "pair", "pin", "clear_pins", "framework", "export")
"""The controls a pending prediction disables: each would show the path or its extent (an exported picture too)."""
GOOD, BAD = "#1a7f37", "#b42318"


@dataclass(frozen=True)
class Result:
    """What the reveal says: ``correct``, the ``guess``, the engine's ``actual`` answer, and for a point its
    ``distance`` (for a number: the relative error)."""

    correct: bool | None
    guess: object
    actual: object
    distance: float | None = None
    step: int | None = None
    pair: tuple | None = None


class Prediction:
    """The student's prediction for one Lab: the guess, whether it is committed, and the result. It owns that
    state (nothing else keeps a copy). The Lab's :class:`~.classroom.Classroom` attaches it (:meth:`attach`) and
calls :meth:`cover` with every frame."""

    def __init__(self, question: Question, w: Words = ENGLISH):
        self.question = question
        self.w = w  # the Lab's language
        self.guess = None
        self.result: Result | None = None
        self.sealed = False
        """Committed: the guess can no longer change (the result may still wait for the teacher's reveal)."""
        self.link = None
        """The class this prediction goes to (a :class:`~.class_link.ClassLink`), or None."""
        self.lab = None
        self.veil = Veil()
        self._pushing = False  # the boxes are being set to show the guess: not a student typing
        self.question_box = W.HTML(f"<b>{w('Predict:')}</b> {html.escape(question.text_in(w))}")
        self.question_box.add_class("rw-prediction-question")
        self.inputs = self._make_inputs()
        self.commit_button = W.Button(description=w("commit my prediction"), icon="check", button_style="primary",
                                      layout=W.Layout(width="auto"))
        self.commit_button.on_click(lambda _b: self._commit_clicked())
        self.try_again_button = W.Button(description=w("try again"), icon="redo", layout=W.Layout(width="auto",
                                                                                               display="none"))
        self.try_again_button.on_click(lambda _b: self.try_again())
        self.result_box = W.HTML()
        self.result_box.add_class("rw-prediction-result")
        self.widget = W.VBox([self.question_box, W.HBox([*self.inputs, self.commit_button, self.try_again_button],
                                                        layout=W.Layout(flex_flow="row wrap", align_items="center")),
                              self.result_box])
        self.widget.add_class("rw-prediction")

    @property
    def pending(self) -> bool:
        return self.result is None

    def attach(self, lab) -> None:
        """Predict on ``lab``: hear clicks on its figure (the Lab's screen, or ipympl's canvas); the typed boxes are
        named after the contour plane's parameters."""
        self.lab = lab
        widget = lab.view.widget
        if hasattr(widget, "on_click"):
            widget.on_click(self.clicked)
        elif lab.display_mode == "ipympl":
            lab.figure.canvas.mpl_connect("button_press_event", self.mpl_clicked)
        self._name_boxes()

    def _name_boxes(self) -> None:
        if self.question.kind == "point" and self.lab is not None:
            names = self.lab.recipe.param_names
            for box, k in zip(self.inputs, self.lab.state.pair, strict=True):
                box.description = names[k]

    # ------------------------------------------------------------------ the student's guess
    def _make_inputs(self) -> list:
        q = self.question
        if q.kind == "point":
            boxes = [W.Text(description=name, layout=W.Layout(width="150px"), style={"description_width": "30px"})
                     for name in ("x", "y")]
            for box in boxes:
                box.observe(lambda _c: self._typed_point(), names="value")
            return boxes
        if q.kind == "choice":
            buttons = W.ToggleButtons(options=[(self.w(c), c) for c in q.choices], value=None)
            buttons.observe(lambda c: self.predict(c["new"]) if c["new"] is not None else None, names="value")
            return [buttons]
        box = W.Text(description="lr", placeholder=self.w("e.g. 0.3"), layout=W.Layout(width="160px"),
                     style={"description_width": "30px"})
        box.observe(lambda c: self._typed_number(c["new"]), names="value")
        return [box]

    def predict(self, value):
        """Set the guess: (x, y) for a point (in the plane's units), one of the choices, or a number."""
        if not self.pending or self.sealed:
            raise InvalidSetting("prediction", "left as it is: it is committed", value)
        q = self.question
        if q.kind == "point":
            try:
                x, y = (float(v) for v in value)
            except (TypeError, ValueError):
                raise InvalidSetting("prediction", "a point (x, y) of two numbers", value) from None
            if not (math.isfinite(x) and math.isfinite(y)):
                raise InvalidSetting("prediction", "a point (x, y) of two finite numbers", value)
            self.guess = (x, y)
            self._show_in_boxes([f"{v:.4g}" for v in self.guess])
        elif q.kind == "choice":
            if value not in q.choices:
                raise InvalidSetting("prediction", f"one of {', '.join(q.choices)}", value)
            self.guess = value
            self.inputs[0].value = value
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < value < math.inf):
                raise InvalidSetting("prediction", "a learning rate > 0", value)
            self.guess = float(value)
            if _number(self.inputs[0].value) != self.guess:
                self._show_in_boxes([repr(self.guess)])
        self._say("")
        if self.lab is not None and q.kind == "point":
            self.lab.set()  # one frame: the guess is drawn
        return self.guess

    def _show_in_boxes(self, texts: list) -> None:
        self._pushing = True
        try:
            for box, text in zip(self.inputs, texts, strict=True):
                box.value = text
        finally:
            self._pushing = False

    def _typed_point(self) -> None:
        if self._pushing:
            return
        x, y = (_number(box.value) for box in self.inputs)
        if x is None or y is None:
            if all(box.value.strip() for box in self.inputs):
                self._say(self.w("Refused: type two numbers (x and y), e.g. 2.5 and 4."), BAD)
            return
        if self.guess != (x, y):
            self.predict((x, y))

    def _typed_number(self, text: str) -> None:
        if self._pushing:
            return
        value = _number(text)
        if value is None or value <= 0:
            if text.strip():
                self._say(self.w("Refused: a learning rate is a number > 0, got {text}.", text=repr(text)), BAD)
            return
        if value != self.guess:
            self.predict(value)

    def clicked(self, x: float, y: float) -> None:
        """A click at (x, y) in the figure's display coordinates: a guess where it fell on the contours
        (clicks elsewhere, and after the commit, are ignored)."""
        if self.lab is None or self.question.kind != "point" or not self.pending or self.sealed:
            return
        ax = self.lab.panels.contour.ax
        if not ax.bbox.contains(x, y):
            return
        self.predict(tuple(ax.transData.inverted().transform((x, y))))

    def mpl_clicked(self, event) -> None:
        """ipympl's canvas: a button press (its x, y are display coordinates too; the contour's legend layer lies
        over the axes, so ``event.inaxes`` is not asked)."""
        if event.x is not None and event.y is not None:
            self.clicked(float(event.x), float(event.y))

    # ------------------------------------------------------------------ commit and reveal
    def _commit_clicked(self) -> None:
        try:
            self.commit()
        except InvalidSetting as err:
            self._say(self.w("Refused: {why}.", why=refusal(err, self.w)), BAD)

    def commit(self) -> Result | None:
        """Commit the guess; compare it with the engine, reveal the run, and say how close it was. In a class
        (:attr:`link`) the guess goes to the class first, and where the session holds the reveal the run is
        revealed when the teacher reveals it (None is returned meanwhile)."""
        if not self.pending or self.sealed:
            return self.result
        if self.guess is None:
            raise InvalidSetting("prediction", {"point": "a point: click on the contours or type x and y first",
                                                "choice": "one of the choices: pick one first",
                                                "number": "a learning rate: type it first"}[self.question.kind], None)
        lab = self.lab
        if lab is None:
            raise ValueError("a prediction is committed on its Lab: make it with Lab(..., predict=...)")
        self.sealed = True
        for widget in (*self.inputs, self.commit_button):
            widget.disabled = True
        self.commit_button.description = self.w("committed")
        if self.link is None:
            self._reveal()
        else:
            q = self.question
            guess = [float(v) for v in self.guess] if q.kind == "point" else self.guess
            state = {**_small(lab.state_dict()), "prediction": {"kind": q.kind, "step": q.step, "answer": q.answer}}
            self.link.send(q.kind, guess, state, then=lambda: self.link.reveal_when_told(self._reveal))
        return self.result

    def _reveal(self) -> None:
        lab, q = self.lab, self.question
        if q.kind == "point":
            step = lab.run.steps if q.step is None else q.step
            a = point_answer(lab.run, lab.state.pair, step, self.guess)
            self.result = Result(None, self.guess, a.actual, a.distance, a.step, tuple(lab.state.pair))
        elif q.kind == "choice":
            actual = outcome(lab.run, lab.landscape)
            self.result = Result(self.guess == actual, self.guess, actual)
        else:
            actual = number_answer(q.answer, lab.recipe, lab.seed, lab.landscape)
            error = None if actual is None else relative_error(self.guess, actual)
            self.result = Result(error is not None and error <= q.tolerance, self.guess, actual, error)
        self.try_again_button.layout.display = None
        self._say(self._verdict_html(), "")
        lab.set(position=lab.run.steps)  # the whole run, revealed

    def try_again(self) -> None:
        """After a reveal: clear the guess and the result and hide the run again, for a new prediction (the Lab
        goes back to the whole basin, its pins cleared and the real run off: each would show a path)."""
        if self.pending:
            return
        lab = self.lab
        back = {"zoom": "basin"} if lab.state.zoom != "basin" else {}
        if lab.state.pins:
            back["pins"] = ()
        if lab.state.real:
            back["real"] = False
        if back:
            lab.set(**back)  # while still revealed: a pending prediction holds these
        self.result, self.guess, self.sealed = None, None, False
        self._pushing = True
        try:
            for widget in self.inputs:
                widget.value = None if isinstance(widget, W.ToggleButtons) else ""
                widget.disabled = False
        finally:
            self._pushing = False
        self.commit_button.disabled = False
        self.commit_button.description = self.w("commit my prediction")
        self.try_again_button.layout.display = "none"
        self._name_boxes()
        self._say("")
        lab.set()  # one frame: the path hidden again, the readouts and the controls that tell locked

    def _verdict_html(self) -> str:
        r, q, lab, w = self.result, self.question, self.lab, self.w
        if q.kind == "point":
            names = lab.recipe.param_names
            i, j = r.pair
            if math.isinf(r.distance):
                return (f"<span style='color:{BAD}'>" + w("θ after step {k} is not finite: the run diverged at step "
                                                          "{at}.", k=r.step, at=lab.run.diverged_at) + "</span>")
            return w("Your guess ({x}, {y}) = ({gx}, {gy}); θ after step {k}: ({ax}, {ay}). <b>Distance {d}</b>.",
                     x=names[i], y=names[j], gx=f"{r.guess[0]:.4g}", gy=f"{r.guess[1]:.4g}", k=r.step,
                     ax=f"{r.actual[0]:.4g}", ay=f"{r.actual[1]:.4g}", d=f"{r.distance:.4g}")
        if q.kind == "choice":
            color = GOOD if r.correct else BAD
            shown = "" if r.actual in q.choices else w(" (not among the choices)")
            said = w("<b>{mark}</b>: you said <b>{guess}</b>; the run <b>{actual}</b>{shown}.",
                     mark=w("Right") if r.correct else w("Not quite"), guess=w(r.guess), actual=w(r.actual),
                     shown=shown)
            return f"<span style='color:{color}'>{said}</span>"
        what = w("the first diverging lr") if q.answer == "first_diverging_lr" else w("the stability limit")
        if r.actual is None and q.answer == "stability_limit":
            return w("Adam has no stability limit: its step is about lr whatever the curvature (you said {guess}).",
                     guess=f"{r.guess:g}")
        if r.actual is None:
            return w("No {what} here: no lr up to 10 diverges with these settings (you said {guess}).", what=what,
                     guess=f"{r.guess:g}")
        color = GOOD if r.correct else BAD
        return (f"<span style='color:{color}'>"
                + w("<b>{mark}</b>: you said {guess}; {what} is <b>{actual}</b> ({off} % off; right within {tol} %).",
                    mark=w("Right") if r.correct else w("Not quite"), guess=f"{r.guess:.3g}", what=what,
                    actual=f"{r.actual:.3g}", off=f"{100 * r.distance:.0f}", tol=f"{100 * q.tolerance:.0f}")
                + "</span>")

    def _say(self, text: str, color: str = BAD) -> None:
        self.result_box.value = f"<div style='color:{color}'>{text}</div>" if text and color else text

    # ------------------------------------------------------------------ what the Lab shows meanwhile
    def cover(self, panels, frame) -> None:
        """With each frame, before it is drawn: hide what would tell (pending) or show the guess beside the run."""
        point = self.guess if self.question.kind == "point" else None
        self.veil.draw(panels, frame, self.pending, point, self.result)

    def drawn_on(self, panels, frame) -> None:
        """The prediction as the Lab shows it, on other panels (an exported picture): a veil of their own."""
        point = self.guess if self.question.kind == "point" else None
        Veil().draw(panels, frame, self.pending, point, self.result)


def _number(text: str) -> float | None:
    try:
        value = float(str(text).strip().replace("−", "-"))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _small(state: dict) -> dict:
    """The Lab's state as an answer carries it: left out where it would be too big (a large dataset of your own)."""
    import json

    return state if len(json.dumps(state)) <= 32 * 1024 else {}
