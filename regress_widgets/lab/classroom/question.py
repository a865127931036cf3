"""What a student predicts: :class:`Question`, one of three kinds (point, choice, number), checked when made;
its text in the Lab's language. :mod:`.predict` owns the student's answer to it."""

from __future__ import annotations

from dataclasses import dataclass

from ...recipes.tutorials import InvalidSetting
from ...theory.verdict import OUTCOMES
from ...words import ENGLISH, Words
from .answers import NUMBER_ANSWERS

KINDS = ("point", "choice", "number")
KEYS = {"point": ("kind", "question", "step"), "choice": ("kind", "question", "choices"),
        "number": ("kind", "question", "answer", "tolerance")}
DEFAULT_QUESTION = {"point": "Where will θ be after {step} steps? Click on the contours, or type the point.",
                    "choice": "How will this run end?", "number": "What is the first learning rate that diverges?"}


@dataclass(frozen=True)
class Question:
    """What the student predicts. ``step`` (point): θ after this step (None: the run's last step)."""

    kind: str
    question: str = ""
    step: int | None = None
    choices: tuple = ("converges", "oscillates", "diverges")
    answer: str = "first_diverging_lr"
    tolerance: float = 0.1

    def __post_init__(self):
        if isinstance(self.choices, list):
            object.__setattr__(self, "choices", tuple(self.choices))
        check_question(self, "predict")

    @classmethod
    def of(cls, spec, where: str = "predict") -> Question:
        """A Question from a Question or a dict (the exercise file's ``predict``); a wrong key or value is an
        :class:`~regress_widgets.recipes.InvalidSetting` naming it (``where``.key)."""
        if isinstance(spec, Question):
            return spec
        if not isinstance(spec, dict):
            raise InvalidSetting(where, "an object with a kind (point, choice or number)", spec)
        kind = spec.get("kind")
        if kind not in KINDS:
            raise InvalidSetting(f"{where}.kind", f"one of {', '.join(KINDS)}", kind)
        unknown = sorted(set(spec) - set(KEYS[kind]))
        if unknown:
            raise InvalidSetting(f"{where}.{unknown[0]}", f"left out: a {kind} question takes only "
                                 f"{', '.join(KEYS[kind])}", spec[unknown[0]])
        values = dict(spec)
        if "choices" in values and isinstance(values["choices"], list):
            values["choices"] = tuple(values["choices"])
        question = cls.__new__(cls)
        for name, default in cls.__dataclass_fields__.items():
            object.__setattr__(question, name, values.get(name, default.default))
        check_question(question, where)
        return question

    @property
    def text(self) -> str:
        return self.text_in(ENGLISH)

    def text_in(self, w: Words) -> str:
        """The question (the teacher's, as written; the default one in the language of ``w``)."""
        if self.question:
            return self.question.replace("{step}", "the last" if self.step is None else str(self.step))
        if self.step is None:
            return w(DEFAULT_QUESTION[self.kind].replace("{step}", "the last"))
        return w(DEFAULT_QUESTION[self.kind], step=self.step)


def check_question(q: Question, where: str) -> None:
    if q.kind not in KINDS:
        raise InvalidSetting(f"{where}.kind", f"one of {', '.join(KINDS)}", q.kind)
    if not isinstance(q.question, str):
        raise InvalidSetting(f"{where}.question", "a text", q.question)
    if q.step is not None and (isinstance(q.step, bool) or not isinstance(q.step, int) or q.step < 0):
        raise InvalidSetting(f"{where}.step", "an integer ≥ 0 (θ after that step)", q.step)
    choices = q.choices
    if (not isinstance(choices, tuple) or len(choices) < 2 or len(set(choices)) != len(choices)
            or any(c not in OUTCOMES for c in choices)):
        raise InvalidSetting(f"{where}.choices", f"two or more different ones of {', '.join(OUTCOMES)}", choices)
    if q.answer not in NUMBER_ANSWERS:
        raise InvalidSetting(f"{where}.answer", f"one of {', '.join(NUMBER_ANSWERS)}", q.answer)
    t = q.tolerance
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not (0 < t <= 1):
        raise InvalidSetting(f"{where}.tolerance", "a number in (0, 1] (relative to the answer)", t)
