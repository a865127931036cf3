"""Strict JSON for the command line: one object, never NaN or Infinity (non-finite numbers become null)."""

from __future__ import annotations

import json
import math

import numpy as np


def finite(x):
    """``x`` with every non-finite number (inside lists and objects too) as None, numpy scalars as Python's."""
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (list, tuple)):
        return [finite(v) for v in x]
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    return x


def dumps(d: dict) -> str:
    """One strict JSON object."""
    return json.dumps(finite(d), allow_nan=False)
