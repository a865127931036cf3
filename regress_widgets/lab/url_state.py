"""A Lab from a link: :func:`settings_from_query` reads ``?recipe=pytorch&lr=0.3&batch_size=1&hide=noise``, and
:func:`hide_controls` hides controls from the students.

Voilà gives the page's query string to the kernel in the environment variable ``QUERY_STRING`` (with
preheated kernels, ``voila.utils.get_query_string()`` waits for it), so a notebook served as an app opens
the Lab a teacher's link describes::

    lab = rw.Lab.from_url()            # os.environ["QUERY_STRING"]; rw.Lab.from_url("lr=0.3", recipe="mxnet")

Keys: ``recipe``, ``seed``, every setting the Lab has a control for (``lr``, ``gamma``, ``stepsize``,
``batch_size``, ``noise``, ``steps`` or ``epochs``, ``optimizer``, ``momentum``, ``beta1``, ``beta2``, ``eps``,
``weight_decay``), ``standardize`` and ``real`` (true/false), ``position``, ``pair`` (``0,2``), ``zoom``,
``layout``, ``language`` (en, zh-Hans, zh-Hant),
and ``hide`` (control names, comma-separated or repeated). Each is given at most once; a wrong key
or value raises :class:`~regress_widgets.recipes.InvalidSetting` naming it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from urllib.parse import parse_qsl

from ..recipes.settings import TABLE
from ..recipes.tutorials import InvalidSetting
from .controls.state import CONTROLLED

FLAGS = ("standardize", "real")
WORDS = ("recipe", "zoom", "layout", "language")
"""The keys whose value is a word."""
URL_KEYS = ("recipe", "seed", *CONTROLLED, *FLAGS, "position", "pair", *WORDS[1:], "hide")
"""Every key a link may hold, each once (the message for a wrong key lists them in this order)."""
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


class LinkError(InvalidSetting):
    """A wrong key or value in a link. In a notebook (and so in a Voilà app) it shows as one line naming the key,
    not as a traceback: the reader is a teacher checking a link, or the student who opened it."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for how an exception is shown
        return [f"The link is wrong: {self}.",
                "(A link's keys and values: regress_widgets/lab/url_state.py, e.g. ?recipe=pytorch&lr=0.3&hide=noise)"]


def link_error(err: InvalidSetting) -> LinkError:
    return err if isinstance(err, LinkError) else LinkError(err.field, err.allowed, err.value)


def from_url(cls, query: str | None = None, *, recipe: str = "caffe2", **kwargs):
    """``Lab.from_url()``: the Lab a link's query string describes (default: Voilà's ``QUERY_STRING``); ``recipe``
    when the link names none; ``kwargs`` as ``Lab.from_state`` takes them. A wrong key or value: :class:`LinkError`
    (an InvalidSetting naming it)."""
    query = os.environ.get("QUERY_STRING", "") if query is None else query
    try:
        return cls.from_state({"recipe": recipe, **settings_from_query(query)}, **kwargs)
    except InvalidSetting as err:
        raise link_error(err) from None


def settings_from_query(query: str) -> dict:
    """The (partial) Lab state a URL query string describes, as :meth:`Lab.from_state
    <regress_widgets.lab.Lab.from_state>` takes it; ``hide`` becomes ``hidden``."""
    if not isinstance(query, str):
        raise InvalidSetting("query", "a URL query string such as 'recipe=pytorch&lr=0.3'", query)
    out: dict = {}
    hidden: list[str] = []
    for key, text in parse_qsl(query.lstrip("?"), keep_blank_values=True):
        if key not in URL_KEYS:
            raise InvalidSetting(key, f"a key of the Lab's link: one of {', '.join(URL_KEYS)}", text)
        if key == "hide":
            hidden += [name.strip() for name in text.split(",") if name.strip()]
            continue
        if key in out:
            raise InvalidSetting(key, "given once in the link", text)
        out[key] = _value(key, text.strip())
    if hidden:
        out["hidden"] = hidden
    return out


def _value(key: str, text: str):
    if key in WORDS:
        return text
    if key in FLAGS:
        if text.lower() not in (*TRUE, *FALSE):
            raise InvalidSetting(key, "true or false", text)
        return text.lower() in TRUE
    if key == "pair":
        try:
            return [int(k) for k in text.split(",")]
        except ValueError:
            raise InvalidSetting("pair", "two parameter indices, e.g. 0,1", text) from None
    setting = TABLE.get(key)
    if setting is not None and setting.choices:
        return setting.check(text)
    kind = int if key in ("seed", "position") else setting.kind
    try:
        number = float(text)
    except ValueError:
        allowed = setting.allowed() if setting is not None else "a whole number"
        raise InvalidSetting(key, allowed, text) from None
    if kind is int:
        if not (math.isfinite(number) and number.is_integer()):
            raise InvalidSetting(key, setting.allowed() if setting is not None else "a whole number", text)
        number = int(number)
    return setting.check(number) if setting is not None else number


HIDDEN = "rw-hidden"
"""The CSS class of a hidden control (the Lab carries the one rule that hides it)."""
STYLE = f"<style>.{HIDDEN} {{ display: none !important; }}</style>"


def hide_controls(lab, names: Iterable[str]) -> tuple[str, ...]:
    """Hide the Lab's controls ``names`` (keys of ``lab.controls``; a setting's typed box and note line go with it)
    and show again those hidden before and not named now; returns the names hidden (``lab.hidden``).

    A hidden control gets the CSS class ``rw-hidden`` (``display: none``), so the Lab's own showing and hiding of
    rows (an optimizer's settings, the run length a recipe counts in) goes on underneath and is what shows when the
    control comes back."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",")]
    try:
        names = tuple(dict.fromkeys(n for n in names if n))
    except TypeError:
        raise InvalidSetting("hide", "a list of control names", names) from None
    for name in names:
        if name not in lab.controls:
            raise InvalidSetting("hide", f"names of the Lab's controls: {', '.join(lab.controls)}", name)
    if not any(getattr(w, "value", None) == STYLE for w in lab.children):
        import ipywidgets as W

        lab.children = (*lab.children, W.HTML(STYLE, layout=W.Layout(display="none")))
    for name in lab.controls:
        parts = [w for w in (lab.controls[name], lab.typed.get(name), lab.readouts.notes.get(name)) if w is not None]
        for part in parts:
            (part.add_class if name in names else part.remove_class)(HIDDEN)
    lab.hidden = names
    return names
