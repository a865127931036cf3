"""Is there a usable GPU for cupy? The GPU tests skip, saying why, when there is not (CI has none)."""

from __future__ import annotations

import pytest


def cupy_state():
    """(the cupy module, "") with a usable CUDA GPU, else (None, why not)."""
    try:
        import cupy
    except ImportError:
        return None, "cupy is not installed (pip install .[gpu])"
    try:
        available = cupy.is_available()
    except Exception as err:  # a broken CUDA set-up must skip, not error
        return None, f"cupy.is_available() failed: {err}"
    if not available:
        return None, "cupy.is_available() is False: no usable CUDA GPU"
    return cupy, ""


CUPY, REASON = cupy_state()
needs_gpu = pytest.mark.skipif(CUPY is None, reason=REASON)
