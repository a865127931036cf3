"""Inputs and labels as a user hands them over (numpy arrays, lists, pandas or polars DataFrames and Series), made
into float64 arrays with column names, or refused with a :class:`DataError` that names the row and column.

Neither pandas nor polars is imported: a table is anything with ``columns`` and ``to_numpy()``, a series anything
with ``name`` and ``to_numpy()`` (both libraries' objects are).
"""

from __future__ import annotations

import numbers

import numpy as np


class DataError(ValueError):
    """Data that cannot be trained on. ``field`` names what is wrong (csv, x, y, data, …); the message names the
    file, row and column where there is one."""

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(problem)


def _is_table(obj) -> bool:
    return hasattr(obj, "columns") and hasattr(obj, "to_numpy")


def _is_series(obj) -> bool:
    return not _is_table(obj) and hasattr(obj, "name") and hasattr(obj, "to_numpy")


def _names(given, d: int, default: tuple[str, ...], field: str) -> tuple[str, ...]:
    if given is None:
        return default
    if isinstance(given, str):
        given = (given,)
    try:
        names = tuple(given)
    except TypeError:
        raise DataError(field, f"{field} must be a list of {d} column names, got {given!r}") from None
    if len(names) != d or not all(isinstance(n, str) and n.strip() for n in names) or len(set(names)) != d:
        raise DataError(field, f"{field} must be {d} different non-empty names (one per column), got {given!r}")
    return tuple(n.strip() for n in names)


def _numbers(a, what: str, columns: tuple[str, ...]) -> np.ndarray:
    """``a`` (N,) or (N, d) as a new float64 array (NaN where a cell is None); non-numbers refused by row and
    column."""
    if a.dtype.kind in "biuf":
        return np.array(a, dtype=np.float64, order="C")
    if a.dtype.kind == "O":
        flat = a.reshape(len(a), -1)
        out = np.empty(flat.shape, dtype=np.float64)
        for (row, col), cell in np.ndenumerate(flat):
            if cell is None or (cell.__class__.__name__ in ("NAType", "NaTType")):
                out[row, col] = np.nan
            elif isinstance(cell, numbers.Real) and not isinstance(cell, (str, bytes)):
                out[row, col] = float(cell)
            else:
                _refuse(what, columns, row, col, cell)
        return out.reshape(a.shape)
    flat = a.reshape(len(a), -1)  # strings, dates, complex numbers: the first cell says what it is
    _refuse(what, columns, 0, 0, flat[0, 0] if flat.size else a.dtype)
    raise AssertionError  # pragma: no cover


def _refuse(what, columns, row, col, cell):
    raise DataError(what, f"{what}: row {row}, column {columns[col]!r} holds {cell!r} ({type(cell).__name__}), "
                    "not a number")


def as_columns(X, feature_names=None) -> tuple[np.ndarray, tuple[str, ...]]:
    """The inputs as a new (N, d) float64 array and the names of their columns."""
    if _is_table(X):
        columns = tuple(str(c) for c in X.columns)
        a = np.asarray(X.to_numpy())
    elif _is_series(X):
        columns = (str(X.name) if X.name is not None and str(X.name) else "x",)
        a = np.asarray(X.to_numpy())
    else:
        columns = None
        if isinstance(X, (str, bytes)) or X is None:
            raise DataError("X", f"X must be numbers: an array (N,) or (N, d), a list or a DataFrame, got {X!r}")
        try:
            a = np.asarray(X)
        except (ValueError, TypeError) as err:
            raise DataError("X", f"X must be a table of numbers, its rows of one length ({err})") from None
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] == 0:
        raise DataError("X", f"X must have shape (N,) or (N, d) with d ≥ 1 features, got shape {a.shape}")
    d = a.shape[1]
    default = columns or (("x",) if d == 1 else tuple(f"x{k}" for k in range(d)))
    names = _names(feature_names, d, default, "feature_names")
    return _numbers(a, "X", names), names


def as_labels(y, target_name=None) -> tuple[np.ndarray, str]:
    """The labels as a new (N,) float64 array and their name."""
    if _is_table(y):
        columns = tuple(str(c) for c in y.columns)
        if len(columns) != 1:
            raise DataError("y", f"y must be one column, got a table of {len(columns)}: {', '.join(columns)}")
        default, a = columns[0], np.asarray(y.to_numpy()).reshape(-1)
    elif _is_series(y):
        default = str(y.name) if y.name is not None and str(y.name) else "y"
        a = np.asarray(y.to_numpy())
    else:
        default = "y"
        if isinstance(y, (str, bytes)) or y is None:
            raise DataError("y", f"y must be numbers: an array (N,), a list or a Series, got {y!r}")
        try:
            a = np.asarray(y)
        except (ValueError, TypeError) as err:
            raise DataError("y", f"y must be a list of numbers ({err})") from None
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise DataError("y", f"y must have shape (N,), one label per row, got shape {a.shape}")
    name = _names(target_name, 1, (default,), "target_name")[0]
    return _numbers(a, "y", (name,)), name
