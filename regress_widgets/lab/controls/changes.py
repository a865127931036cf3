"""How a change of settings or view turns the Lab's state into the next one: :func:`resolve`, a pure function."""

from __future__ import annotations

import math

from ...own_data.from_data import standardized
from ...panels import check_pair, check_zoom
from ...recipes.settings import check_seed
from ...recipes.tutorials import InvalidSetting, Recipe, get_recipe
from .real_run import FIXED, FREE, RealRun, available, real_run
from .state import CONTROLLED, VIEW, LabState

CHOICES = (*CONTROLLED, "seed", "recipe", "real", "standardize", *VIEW)
"""What :meth:`Lab.set <regress_widgets.lab.Lab.set>` takes."""


def resolve(s: LabState, values: dict, current: Recipe | None = None) -> tuple[dict, Recipe, RealRun | None]:
    """What ``values`` (as :meth:`Lab.set <regress_widgets.lab.Lab.set>` takes them) make of the state ``s``:
    its new values (only what changes), the recipe they make, and the real run to show (or None).
    ``current`` is the recipe the state makes now (kept when only the view changes).

    Every value is checked here, against the others: nothing is stored until all of them are valid.
    A new recipe brings its own settings and drops the pins. Ticking ``real`` keeps the Lab's own settings
    (``own``) and takes the recording's batch size, noise, length and seed; unticking brings them back with
    the lr, γ and stepsize tried on the recording.
    """
    unknown = sorted(set(values) - set(CHOICES))
    if unknown:
        raise InvalidSetting(unknown[0], f"one of {', '.join(CHOICES)}", values[unknown[0]])
    new: dict = {}
    tutorial, settings, seed, own = s.tutorial, s.settings, s.seed, dict(s.own)
    scaled = s.standardize
    if "recipe" in values:
        wanted = get_recipe(values["recipe"])
        if wanted.name != tutorial.name or wanted is not tutorial and wanted != tutorial:
            tutorial = new["tutorial"] = wanted
            every = {**wanted.settings, **wanted.optimizer_settings}  # its optimizer too, defaults included
            settings, own = {k: v for k, v in every.items() if k in CONTROLLED}, {}
            scaled = wanted.data is not None and wanted.data.standardize
            new["pins"] = ()
            if not _valid_pair(s.pair, wanted):
                new["pair"] = (0, 1)
    if current is not None and not set(values) - set(VIEW):  # the view only: the same recipe
        recipe, real = current, real_run(tutorial.name) if s.real else None
    else:
        was = s.real and "tutorial" not in new
        real_on = values.get("real", s.real)
        if not isinstance(real_on, bool):
            raise InvalidSetting("real", "True or False", real_on)
        if real_on and not available(tutorial):
            if "real" in values:
                raise InvalidSetting("real", f"False: no real run is recorded for {tutorial.name}", real_on)
            real_on = False
        fixed = [k for k in values if k in FIXED]
        if fixed and was and real_on:
            title = real_run(tutorial.name).title
            raise InvalidSetting(fixed[0], f"the recording's while the real {title} run is shown (untick it to "
                                 "change batch size, noise, seed or run length)", values[fixed[0]])
        if "steps" in values and tutorial.epochs is not None:
            raise InvalidSetting("steps", f"left out: {tutorial.name} counts its run in epochs", values["steps"])
        settings.update({k: values[k] for k in CONTROLLED if k in values})
        if "standardize" in values:
            scaled, settings = _standardize(tutorial, scaled, values, settings)
        tutorial_now = tutorial if tutorial.data is None else standardized(tutorial, scaled)
        if "seed" in values:
            seed = check_seed(values["seed"])
        real = real_run(tutorial.name) if real_on else None
        if real is not None and not was:  # ticked: keep the Lab's own settings to go back to
            own = {**settings, "seed": seed}
            recipe = real.on_its_data(tutorial_now.with_settings(**settings))
            settings, seed = {k: v for k, v in recipe.settings.items() if k in CONTROLLED}, real.seed
        elif real is not None:
            recipe = real.on_its_data(tutorial_now.with_settings(**settings))
        else:
            if was:  # unticked: the Lab's own settings, with the lr, γ and stepsize tried on the recording
                settings = {**{k: v for k, v in own.items() if k != "seed"}, **{k: settings[k] for k in FREE}}
                seed, own = own.get("seed", seed), {}
            recipe = tutorial_now.with_settings(**settings)
        for name, value in {**settings, "seed": seed, "real": real_on, "own": own, "standardize": scaled}.items():
            if value != getattr(s, name):
                new[name] = value
    if "pair" in values:
        new["pair"] = check_pair(values["pair"], tutorial.param_names)
    if "zoom" in values:
        new["zoom"] = check_zoom(values["zoom"])
    if "pins" in values:
        new["pins"] = tuple(values["pins"])
    if "position" in values:
        step = values["position"]
        if isinstance(step, bool) or not isinstance(step, (int, float)) or not math.isfinite(step):
            raise InvalidSetting("position", f"a step in [0, {recipe.total_steps}]", step)
        new["position"] = int(min(max(step, 0), recipe.total_steps))
    return new, recipe, real


def _standardize(tutorial: Recipe, scaled: bool, values: dict, settings: dict) -> tuple[bool, dict]:
    """The "standardize features" toggle: only for your own data; switching it keeps lr's fraction of the stability
    limit (which moves, often by orders of magnitude) unless an lr is given with it."""
    on = values["standardize"]
    if not isinstance(on, bool):
        raise InvalidSetting("standardize", "True or False", on)
    if tutorial.data is None:
        if on:
            raise InvalidSetting("standardize", f"False: {tutorial.name}'s inputs are drawn with scale 1 already "
                                 "(standardizing is for your own data)", on)
        return False, settings
    if on != scaled and "lr" not in values:
        before = standardized(tutorial, scaled).with_settings(lr=settings["lr"])
        settings = {**settings, "lr": standardized(before, on).lr}
    return on, settings


def _valid_pair(pair, recipe: Recipe) -> bool:
    try:
        check_pair(pair, recipe.param_names)
    except ValueError:
        return False
    return True
