"""What a student may send the class service: one answer, checked field by field (:func:`read_answer`).

The body is JSON ``{"exercise": str, "kind": "point"|"choice"|"number"|"settings", "value": …, "state": {…}}``:

* ``point``: ``[x, y]``, two finite numbers (the student's guess of θ in the contour's plane);
* ``choice``: how the run ends, one of :data:`~regress_widgets.theory.verdict.OUTCOMES`;
* ``number``: one finite number (e.g. the first lr that diverges);
* ``settings``: the settings the student settled on, ``{"lr": 0.05, "batch_size": 8, …}``: every name one of the
  settings table's, every value in its range;
* ``state`` (optional): the Lab's ``state_dict()`` when the answer was given, an object.

Who answered is never in the body: the service takes it from the token. Anything else is a :class:`BadAnswer` naming
the field and what it may be (the service answers 400 with its message).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from ..recipes.settings import TABLE, InvalidSetting
from ..theory.verdict import OUTCOMES

MAX_BODY = 64 * 1024
"""Bytes a body may have."""
KINDS = ("point", "choice", "number", "settings")
KEYS = ("exercise", "kind", "value", "state")
MAX_NAME = 200
"""Characters in an exercise's or a session's name."""


class BadAnswer(ValueError):
    """A body the service refuses: ``field`` names what is wrong, the message says what it may be."""

    def __init__(self, field: str, allowed: str, value=None):
        self.field = field
        shown = "" if value is None else f", got {_short(value)}"
        super().__init__(f"{field} must be {allowed}{shown}")


@dataclass(frozen=True)
class Answer:
    exercise: str
    kind: str
    value: object
    state: dict


def read_answer(body: bytes) -> Answer:
    """The answer in ``body`` (bytes of JSON), or :class:`BadAnswer`."""
    if len(body) > MAX_BODY:
        raise BadAnswer("body", f"at most {MAX_BODY // 1024} KiB", f"{len(body):,} bytes")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise BadAnswer("body", "a JSON object", f"unreadable JSON ({err})") from None
    if not isinstance(data, dict):
        raise BadAnswer("body", "a JSON object with exercise, kind, value (and state)", type(data).__name__)
    unknown = sorted(set(data) - set(KEYS), key=str)
    if unknown:
        raise BadAnswer(str(unknown[0]), f"left out: an answer has only {', '.join(KEYS)} (who answered comes from "
                        "the token)")
    for key in ("exercise", "kind", "value"):
        if key not in data:
            raise BadAnswer(key, "given")
    _finite(data, "")
    exercise = check_name(data["exercise"], "exercise")
    kind = data["kind"]
    if kind not in KINDS:
        raise BadAnswer("kind", f"one of {', '.join(KINDS)}", kind)
    state = data.get("state", {})
    if not isinstance(state, dict):
        raise BadAnswer("state", "an object (the Lab's state_dict())", type(state).__name__)
    return Answer(exercise, kind, _value(kind, data["value"]), state)


def check_name(name, field: str) -> str:
    """A session's or an exercise's name: text of 1 to :data:`MAX_NAME` characters, no control characters."""
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or any(ord(c) < 32 for c in name):
        raise BadAnswer(field, f"a name of 1 to {MAX_NAME} characters", name)
    return name


def _value(kind: str, value):
    if kind == "point":
        if (not isinstance(value, list) or len(value) != 2
                or not all(_number(v) for v in value)):
            raise BadAnswer("value", "a point [x, y] of two numbers", value)
        return [float(v) for v in value]
    if kind == "choice":
        if value not in OUTCOMES:
            raise BadAnswer("value", f"one of {', '.join(OUTCOMES)}", value)
        return value
    if kind == "number":
        if not _number(value):
            raise BadAnswer("value", "a number", value)
        return float(value)
    if not isinstance(value, dict) or not value:
        raise BadAnswer("value", "an object of settings, e.g. {\"lr\": 0.05, \"batch_size\": 8}", value)
    out = {}
    for name, v in value.items():
        if name not in TABLE:
            raise BadAnswer(f"value.{name}", f"a setting: one of {', '.join(TABLE)}")
        try:
            out[name] = TABLE[name].check(v)
        except InvalidSetting as err:
            raise BadAnswer(f"value.{name}", err.allowed, v) from None
    return out


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _finite(value, path: str) -> None:
    """NaN and ±inf are not numbers an answer may hold (Python's JSON reads them): name where one is."""
    if isinstance(value, float) and not math.isfinite(value):
        raise BadAnswer(path or "body", "finite (NaN and infinity are not JSON numbers)", value)
    if isinstance(value, dict):
        for k, v in value.items():
            _finite(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _finite(v, f"{path}[{i}]")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"
