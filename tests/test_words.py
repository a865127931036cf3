"""The translations (regress_widgets/words/words.json): every text the Lab, SideBySide and the figure ask for is
there in all three languages, and no user-facing English literal in the Lab's widgets or panels bypasses the lookup.

The texts asked for are found by reading the code: every call ``w("…")``, ``L.w("…")``, ``self.w("…")``,
``self.words("…")``, ``lab.words("…")``, ``self.layout.w("…")`` with a literal (or a literal chosen by ``… if … else
…``), plus the texts given by name (the settings table's labels, help lines and units; the verdict's kinds; the
zoom choices; Adam's limit; the control groups' titles and the compact Lab's short names; the predicted outcomes;
SideBySide's update rules; the default questions of a prediction).
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from regress_widgets import words
from regress_widgets.lab.classroom.question import DEFAULT_QUESTION
from regress_widgets.lab.controls.layout import COMPACT, GROUPS
from regress_widgets.lab.controls.widgets import ZOOM_LABELS
from regress_widgets.lab.side_by_side import SHARED_OPTIMIZERS
from regress_widgets.recipes.settings import OPTIMIZERS, TABLE, InvalidSetting
from regress_widgets.theory.landscape import limit_formula
from regress_widgets.theory.verdict import KINDS, OUTCOMES

ROOT = Path(__file__).resolve().parent.parent / "regress_widgets"
SCOPE = sorted([*ROOT.glob("lab/**/*.py"), *ROOT.glob("panels/**/*.py")])
CALLERS = {"w", "words"}  # w(...), L.w(...), self.w(...), self.layout.w(...), self.words(...), lab.words(...)


def _literals(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def asked_in_code() -> dict[str, str]:
    """Every literal text the code asks the lookup for → where."""
    found = {}
    for path in SCOPE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if name in CALLERS:
                for text in _literals(node.args[0]):
                    found.setdefault(text, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def asked_by_name() -> set[str]:
    texts = {t for s in TABLE.values() for t in (s.label, s.help, s.unit) if t}
    texts |= set(KINDS) | {text for text, _value in ZOOM_LABELS} | {limit_formula("adam")}
    texts |= {title for title, _names in GROUPS} | set(COMPACT["names"].values()) | set(OUTCOMES)
    texts |= {text for text, _value in SHARED_OPTIMIZERS}
    texts |= {q for text in DEFAULT_QUESTION.values() for q in (text, text.replace("{step}", "the last"))}
    return texts


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_the_code_asks_for_texts():
    asked = asked_in_code()
    assert len(asked) > 100, f"only {len(asked)} texts found: has the lookup been renamed?"


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_every_text_the_code_asks_for_is_translated(language):
    table = words.table()
    missing = {text: where for text, where in asked_in_code().items() if language not in table.get(text, {})}
    missing.update({text: "by name" for text in asked_by_name() if language not in table.get(text, {})})
    assert not missing, f"{len(missing)} texts lack {language} in regress_widgets/words/words.json: {missing}"


def test_every_entry_has_both_chinese_forms_and_the_same_fields():
    for text, forms in words.table().items():
        assert set(forms) == {"zh-Hans", "zh-Hant"}, (text, sorted(forms))
        for language, form in forms.items():
            assert form.strip() and _fields(form) == _fields(text), (text, language, form)
            assert not re.search(r"[A-Za-z]{4,}", re.sub(r"<[^>]*>|\{[^}]*\}", "", form)) or _english_names(form), \
                (text, language, form)


def _english_names(form: str) -> bool:
    """Names that stay as they are in Chinese text: frameworks, optimizers, symbols."""
    rest = re.sub(r"<[^>]*>|\{[^}]*\}", "", form)
    names = {"SGD", "Adam", "Nesterov", "PNG", "mean", "std", "λmax", "compute", *TABLE, *OPTIMIZERS}  # symbols
    return all(word in names for word in re.findall(r"[A-Za-z]{4,}", rest))


def test_no_entry_is_unused():
    used = set(asked_in_code()) | asked_by_name() | set(EXTRA)
    unused = sorted(set(words.table()) - used)
    assert not unused, f"words.json holds texts nothing asks for: {unused}"


EXTRA = ("an integer in {range}", "an integer ≥ {low}", "a number in {range}", "a number > {low}",
         "a number ≥ {low}", "one of {values}", "{field} must be {allowed}, got {value}",
         " at step {k} (lr {lr} > {name} = {limit})", " at step {k}",
         ": lr {lr} is past the stability limit {name} = {limit} (loss ×{ratio} of the start so far)")
"""Texts asked for through a table in the code (words.allowed_words, readouts.status_rest)."""


def test_a_missing_text_is_a_clear_error():
    with pytest.raises(KeyError, match="no zh-Hans translation of 'not a text'"):
        words.word("zh-Hans", "not a text")
    assert words.word("en", "step <b>{k}</b> of {n}", k=3, n=10) == "step <b>3</b> of 10"
    assert words.Words("zh-Hant")("pin this run") != "pin this run"


def test_language_is_checked_and_the_default_comes_from_the_environment(monkeypatch):
    with pytest.raises(InvalidSetting, match=r"language must be one of en, zh-Hans, zh-Hant, got 'fr'"):
        words.check_language("fr")
    monkeypatch.delenv(words.ENV, raising=False)
    assert words.default_language() == "en"
    monkeypatch.setenv(words.ENV, "zh-Hant")
    assert words.default_language() == "zh-Hant" and words.language_or_default(None) == "zh-Hant"
    assert words.language_or_default("en") == "en"
    monkeypatch.setenv(words.ENV, "zh")
    with pytest.raises(InvalidSetting, match=r"REGRESS_WIDGETS_LANGUAGE must be one of en, zh-Hans, zh-Hant"):
        words.default_language()


def test_refusals_are_worded_in_the_language():
    w = words.Words("zh-Hans")
    for setting in TABLE.values():
        allowed = setting.allowed()
        assert words.allowed_words(allowed, w) != allowed, allowed  # every range the table words is translated
    err = InvalidSetting("lr", TABLE["lr"].allowed(), 20)
    assert "lr" in words.refusal(err, w) and "20" in words.refusal(err, w)
    assert words.refusal(err, words.Words("en")) == str(err)


SHOWN = {"description", "tooltip", "label", "placeholder"}
"""Keyword arguments whose text a student sees (widgets' labels and tooltips, legend entries)."""
WRITES = {"set_title", "set_xlabel", "set_ylabel", "set_text", "set_label", "say", "text"}
"""Calls whose text argument a student sees (axes titles and labels, texts on the figure, the Lab's messages)."""
INTERNAL = ("legend of ",)
"""Labels no one sees: cached_axes names its legend layers."""


def _english_literal(node) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    else:
        return False
    return bool(re.search(r"[A-Za-z]{3,}", text)) and not text.startswith(INTERNAL)


def test_no_english_literal_reaches_the_screen_without_the_lookup():
    """A literal given straight to a widget's label or tooltip, a legend, a title, a figure text or a message
    (not through ``w(...)``) would stay English in every language."""
    found = []
    for path in SCOPE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            shown = [k.value for k in node.keywords if k.arg in SHOWN]
            if name in WRITES:
                shown += list(node.args)
            for arg in shown:
                for value in (arg.body, arg.orelse) if isinstance(arg, ast.IfExp) else (arg,):
                    if _english_literal(value):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"English literals shown without the lookup: {found}"
