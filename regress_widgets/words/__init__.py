"""The words the Lab and its figure show, in English, 简体中文 (zh-Hans) or 繁體中文 (zh-Hant).

The translations live in one place, as data: ``words.json`` beside this module maps each English text (the key,
with ``{name}`` fields where numbers go) to its ``zh-Hans`` and ``zh-Hant`` forms. Code asks for a text by its
English: ``Words("zh-Hans")("step {k} of {n}", k=3, n=10)`` → ``"第 3 步，共 10 步"``. A text missing from the
file is a KeyError (a test checks that every text the code asks for is there in every language).

The package default is the environment variable ``REGRESS_WIDGETS_LANGUAGE`` (unset: English); ``rw.Lab(...,
language=...)`` overrides it.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from importlib import resources

from ..recipes.settings import InvalidSetting

LANGUAGES = ("en", "zh-Hans", "zh-Hant")
"""English, Simplified Chinese (简体中文), Traditional Chinese (繁體中文)."""
ENV = "REGRESS_WIDGETS_LANGUAGE"
"""The environment variable that sets the package default."""
NATIVE_NAMES = {"en": "English", "zh-Hans": "简体中文", "zh-Hant": "繁體中文"}


def check_language(value, field: str = "language") -> str:
    """``value`` if it is one of :data:`LANGUAGES`, else :class:`InvalidSetting` naming ``field``."""
    if not isinstance(value, str) or value not in LANGUAGES:
        raise InvalidSetting(field, f"one of {', '.join(LANGUAGES)}", value)
    return value


def default_language() -> str:
    """The package default: ``$REGRESS_WIDGETS_LANGUAGE`` (checked) or "en"."""
    value = os.environ.get(ENV)
    return "en" if value is None or value == "" else check_language(value, ENV)


def language_or_default(language) -> str:
    """``language`` checked, or the package default when it is None."""
    return default_language() if language is None else check_language(language)


@cache
def table() -> dict[str, dict[str, str]]:
    """English text → {"zh-Hans": ..., "zh-Hant": ...}, as ``words.json`` holds it."""
    text = resources.files(__package__).joinpath("words.json").read_text(encoding="utf-8")
    return json.loads(text)


def word(language: str, text: str, **values) -> str:
    """``text`` (English, with ``{name}`` fields) in ``language``, its fields filled from ``values``."""
    if language != "en":
        try:
            text = table()[text][language]
        except KeyError:
            raise KeyError(f"no {language} translation of {text!r} in regress_widgets/words/words.json") from None
    return text.format(**values) if values else text


class Words:
    """The texts of one language: ``w = Words("zh-Hant"); w("pin this run")``."""

    def __init__(self, language: str = "en"):
        self.language = check_language(language)

    def __call__(self, text: str, **values) -> str:
        return word(self.language, text, **values)

    def __repr__(self) -> str:
        return f"Words({self.language!r})"


_ALLOWED = (
    (re.compile(r"an integer in (\[.+\])"), "an integer in {range}"),
    (re.compile(r"an integer ≥ (.+)"), "an integer ≥ {low}"),
    (re.compile(r"a number in ([\[(].+[\])])"), "a number in {range}"),
    (re.compile(r"a number > (.+)"), "a number > {low}"),
    (re.compile(r"a number ≥ (.+)"), "a number ≥ {low}"),
    (re.compile(r"one of (.+)"), "one of {values}"),
)
_FIELDS = {"an integer in {range}": "range", "an integer ≥ {low}": "low", "a number in {range}": "range",
           "a number > {low}": "low", "a number ≥ {low}": "low", "one of {values}": "values"}


def allowed_words(allowed: str, w: Words) -> str:
    """A setting's allowed range, as :meth:`Setting.allowed <regress_widgets.recipes.settings.Setting.allowed>` words
    it, in
    the language of ``w`` (a range worded otherwise stays as it is)."""
    for pattern, text in _ALLOWED:
        found = pattern.fullmatch(allowed)
        if found:
            return w(text, **{_FIELDS[text]: found.group(1)})
    return allowed


def refusal(err: Exception, w: Words) -> str:
    """Why a value was refused, in the language of ``w``: an InvalidSetting's field, range and value."""
    if isinstance(err, InvalidSetting):
        return w("{field} must be {allowed}, got {value}", field=err.field, allowed=allowed_words(err.allowed, w),
                 value=repr(err.value))
    return str(err)


ENGLISH = Words("en")
"""The English texts (the default of the widgets' and panels' helpers)."""
