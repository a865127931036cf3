"""A recording's meta data, checked field by field, and the recipe it ran rebuilt from it (the one way)."""

from __future__ import annotations

import json
import numbers

import numpy as np

from ..recipes.settings import TABLE, check_seed
from ..recipes.tutorials import SETTINGS, InvalidSetting, Recipe, get_recipe

FRAMEWORK_NAMES = {"caffe2": "Caffe2", "mxnet": "MXNet", "pytorch": "PyTorch"}
"""How each framework writes its name (titles, legends)."""
META_KEYS = ("framework", "framework_version", "recipe", "seed", "dtype", "python")
TOLERANCE = {"float32": 1e-4, "float64": 1e-10}
"""The one tolerance, by the framework's dtype: every value within ``tolerance · max(1, |recorded value|)``."""
MAX_META_CHARS = 100_000


class RecordingError(ValueError):
    """A recording that cannot be replayed; ``key`` names the part that is wrong."""

    def __init__(self, key: str, problem: str):
        self.key = key
        super().__init__(f"recording key {key!r}: {problem}")


def check_meta(arrays) -> dict:
    """The meta data of a recording's ``arrays`` (its ``meta`` entry: JSON text, or a dict), every field checked."""
    if "meta" not in arrays:
        raise RecordingError("meta", "missing")
    raw = arrays["meta"]
    if isinstance(raw, dict):  # a Recording's own meta
        try:
            raw = json.dumps(raw, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as err:
            raise RecordingError("meta", f"is not JSON-serialisable ({err})") from None
    if isinstance(raw, np.ndarray):
        if raw.shape != () or raw.dtype.kind != "U":
            raise RecordingError("meta", f"expected a 0-d text array, got shape {raw.shape} of {raw.dtype}")
        raw = raw.item()
    if not isinstance(raw, str):
        raise RecordingError("meta", f"expected a JSON string, got {type(raw).__name__}")
    if len(raw) > MAX_META_CHARS:
        raise RecordingError("meta", f"is {len(raw):,} characters long (at most {MAX_META_CHARS:,})")
    try:
        meta = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as err:
        raise RecordingError("meta", f"is not valid JSON ({type(err).__name__}: {str(err)[:80]})") from None
    if not isinstance(meta, dict):
        raise RecordingError("meta", "is not a JSON object")
    missing = [k for k in META_KEYS if k not in meta]
    if missing:
        raise RecordingError("meta", f"lacks {', '.join(missing)}")
    for key in ("framework", "framework_version", "recipe", "dtype", "python"):
        if not isinstance(meta[key], str):
            raise RecordingError("meta", f"{key} must be a string, got {_short(meta[key])}")
    try:
        get_recipe(meta["recipe"])
        check_seed(meta["seed"])
    except InvalidSetting as err:
        raise RecordingError("meta", str(err)) from None
    if meta["dtype"] not in TOLERANCE:
        raise RecordingError("meta", f"dtype must be one of {', '.join(TOLERANCE)}, got {meta['dtype']!r}")
    settings = meta.get("settings", {})
    if not isinstance(settings, dict):
        raise RecordingError("meta", f"settings must be an object of setting: value, got {_short(settings)}")
    for name, value in settings.items():
        if name not in SETTINGS:
            raise RecordingError("meta", f"settings: {name!r} is not a setting (one of {', '.join(SETTINGS)})")
        if TABLE[name].choices:
            if not isinstance(value, str):
                raise RecordingError("meta", f"settings: {name} must be {TABLE[name].allowed()}, got {_short(value)}")
        elif not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise RecordingError("meta", f"settings: {name} must be a number, got {_short(value)}")
    return meta


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def recording_recipe(meta: dict, batch_sizes) -> Recipe:
    """The recipe a recording ran: ``meta``'s recipe with ``meta.settings`` (absent keys: the recipe's defaults),
    its run length the recording's steps and its batch size the recording's batches', refusing any disagreement."""
    base = get_recipe(meta["recipe"])
    settings = dict(meta.get("settings", {}))
    sizes = np.asarray(batch_sizes)
    T = len(sizes)
    try:
        recipe = base.with_settings(**settings)
    except InvalidSetting as err:
        raise RecordingError("meta", f"settings: {err}") from None
    derived = {}
    if "steps" not in settings and "epochs" not in settings:
        derived["steps"] = T
    if "batch_size" not in settings:
        derived["batch_size"] = int(sizes[0] if base.streaming else sizes.max())
    try:
        recipe = recipe.with_settings(**derived)
    except InvalidSetting as err:
        raise RecordingError("batch_sizes", f"the {T:,} steps of the recording give {err}") from None
    if recipe.total_steps != T:
        raise RecordingError("batch_sizes", f"{T:,} steps, but meta settings ask for {recipe.total_steps:,}")
    if base.streaming and (sizes != recipe.batch_size).any():
        raise RecordingError("batch_sizes", f"must all be {recipe.batch_size}: {base.name} draws one batch size every "
                                            "step")
    if not base.streaming and sizes.max() != recipe.batch_size:
        raise RecordingError("batch_sizes", f"the largest batch has {sizes.max()} examples, meta settings say "
                                            f"batch_size {recipe.batch_size}")
    return recipe
