"""The side-by-side app from a link: ``SideBySide.from_url()`` reads a teacher's query string, as ``Lab.from_url``
does for one Lab (the keys and values: :mod:`~regress_widgets.lab.url_state`).

What a link means for three columns::

    /?lr=0.3                       every column's lr is 0.3
    /?recipe=pytorch&lr=0.3        only the PyTorch column's lr (``recipe`` names the column the settings are for;
                                   the other columns keep their tutorial's settings)
    /?seed=3&real=true             the shared seed, the shared "real frameworks' runs" box: always all columns
    /?hide=noise,batch_size        hidden in every column (and the shared control of that name: seed, framework,
                                   optimizer, reset, play)

Without ``recipe``, ``steps`` goes to the columns that count their run in steps (Caffe2) and ``epochs`` to those that
count in epochs (MXNet, PyTorch); every other setting to all three, so its value must be allowed in each (the error
says which column refused it: name that column with ``recipe=``). ``position`` and ``layout`` are not for
the side-by-side app (its progress is shared, its columns compact). A wrong key or value is an
:class:`~regress_widgets.recipes.InvalidSetting` naming it; without a query string (JupyterLab, nbval) the
app is
exactly ``SideBySide()``.
"""

from __future__ import annotations

import os

from ...panels import check_pair
from ...recipes.tutorials import RECIPES, InvalidSetting
from ..url_state import HIDDEN, hide_controls, link_error, settings_from_query

NOT_HERE = {"position": "left out of a side-by-side link: its progress slider is shared by the three columns",
            "layout": "left out of a side-by-side link: its columns are always the compact layout"}


def from_url(cls, query: str | None = None, *, recipes=tuple(RECIPES), **kwargs):
    """``SideBySide.from_url()``: the side-by-side app a link's query string describes (default: Voilà's
    ``QUERY_STRING``); ``kwargs`` as ``SideBySide`` takes them. See the module docstring. A wrong key or value:
    :class:`~.url_state.LinkError` (an InvalidSetting naming it, shown in a notebook as one line)."""
    try:
        return _from_url(cls, query, recipes, kwargs)
    except InvalidSetting as err:
        raise link_error(err) from None


def _from_url(cls, query, recipes, kwargs):
    query = os.environ.get("QUERY_STRING", "") if query is None else query
    link = settings_from_query(query)
    for key, allowed in NOT_HERE.items():
        if key in link:
            raise InvalidSetting(key, allowed, link[key])
    names = tuple(recipes)
    column = link.pop("recipe", None)
    if column is not None and column not in names:
        raise InvalidSetting("recipe", f"one of {', '.join(names)} (the column the link's settings are for)", column)
    hidden = link.pop("hidden", [])
    real = link.pop("real", False)
    if "seed" in link:
        if real:
            raise InvalidSetting("seed", "left out with real=true: the real runs are the recordings', with their "
                                 "seeds", link["seed"])
        kwargs["seed"] = link.pop("seed")
    app = cls(recipes, **kwargs)
    _check_hidden(app, hidden)
    if real:
        app.real.value = True  # the shared box: every column's real run
    targets = [column] if column is not None else list(app.labs)
    per_column = {name: _settings_for(app.labs[name], link, named=column is not None) for name in targets}
    for key in link:
        if not any(key in values for values in per_column.values()):
            raise InvalidSetting(key, "a setting one of the columns has (name the column with recipe=)", link[key])
    for name, values in per_column.items():
        try:
            app.labs[name].set(**values)
        except InvalidSetting as err:
            raise InvalidSetting(err.field, f"{err.allowed} (in the {name} column)", err.value) from None
    if column is None and "optimizer" in link:
        wanted = (app.labs[targets[0]].state.optimizer, app.labs[targets[0]].state.momentum)
        if wanted in [value for _label, value in app.optimizer.options]:
            app.optimizer.value = wanted  # the shared menu shows the rule every column now uses
    if hidden:
        hide(app, hidden)
    app._on_progress({"new": app.progress.value})
    return app


def _settings_for(lab, link: dict, named: bool) -> dict:
    """The link's settings that go to ``lab``'s column (``named``: the link named this column: all of them)."""
    tutorial = lab.state.tutorial
    values = dict(link)
    if not named:
        if tutorial.steps is None:
            values.pop("steps", None)
        if tutorial.epochs is None:
            values.pop("epochs", None)
    if "pair" in values:
        try:
            check_pair(values["pair"], tutorial.param_names)
        except ValueError:
            raise InvalidSetting("pair", f"two different parameter indices of the {tutorial.name} column "
                                 f"({', '.join(tutorial.param_names)}: 0 … {len(tutorial.param_names) - 1})",
                                 values["pair"]) from None
    return values


def shared_controls(app) -> dict:
    """The shared controls a ``hide`` name also hides."""
    return {"seed": [app.seed], "framework": [app.real], "optimizer": [app.optimizer], "reset": [app.reset_all],
            "play": [app.play]}


def _check_hidden(app, names) -> None:
    controls = next(iter(app.labs.values())).controls
    for name in names:
        if name not in controls:
            raise InvalidSetting("hide", f"names of the Lab's controls: {', '.join(controls)}", name)


def hide(app, names) -> tuple[str, ...]:
    """Hide the controls ``names`` in every column, and the shared control of the same name; ``app.hidden``."""
    names = tuple(dict.fromkeys(names))
    for lab in app.labs.values():
        hide_controls(lab, names)
    for name, widgets in shared_controls(app).items():
        for widget in widgets:
            (widget.add_class if name in names else widget.remove_class)(HIDDEN)
    app.hidden = names
    return names
