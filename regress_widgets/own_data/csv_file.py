"""``read_csv``: a CSV file of your own made into a recipe, with a clear error for every bad file.

The delimiter (comma, semicolon or tab) and a header line are detected from the first line; UTF-8 with or
without a byte-order mark. Rows are numbered as a spreadsheet shows them: the file's first line is row 1.

Big files are read in blocks of lines, each parsed by numpy's C reader straight into arrays allocated once (a
first pass counts the lines), so memory stays near the numbers themselves; a progress bar (tqdm) shows the
reading of files over :data:`PROGRESS_BYTES`.
"""

from __future__ import annotations

import bisect
import csv
import io
import math
import os
from pathlib import Path

import numpy as np

from .columns import DataError, _names

BLOCK_BYTES = 1 << 18
"""Bytes of the file read and parsed at a time (numpy reads a block through a StringIO, 4 bytes a character)."""
PROGRESS_BYTES = 16 << 20
"""Files larger than this show a progress bar while they are read (``progress=None``)."""
DELIMITERS = (",", ";", "\t")
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-nan", "+nan"})
"""Cells that mean "no value" (compared in lower case): refused, or their rows dropped with drop_missing."""


def read_csv(path, *, x, y, drop_missing: bool = False, progress: bool | None = None, **from_data_options):
    """A recipe that trains on columns ``x`` (a name or index, or a list of them) against column ``y`` of the CSV
    file ``path`` (``feature_names``, ``target_name``: other names for them). ``from_data_options``: those of
    :func:`~regress_widgets.own_data.from_data.from_data` (``like``,
    ``standardize``, ``name``, …, and settings such as ``lr``). ``drop_missing``: drop rows with an empty, NaN or
    infinite cell (saying how many) instead of refusing the file. ``progress``: show a progress bar (None: for
    files over 16 MiB)."""
    from ..recipes.tutorials import RECIPES, InvalidSetting
    from .from_data import _recipe

    file = _check_file(path)
    label = file.name
    with open(file, "rb") as f:
        head = f.read(1 << 16)
    bom = head.startswith(b"\xef\xbb\xbf")
    first = _first_line(head[3:] if bom else head, label)
    delimiter = _delimiter(first, label)
    cells = next(csv.reader([first], delimiter=delimiter))
    header = not all(_is_number(c) for c in cells)
    columns = tuple(c.strip() for c in cells) if header else tuple(str(k) for k in range(len(cells)))
    x_cols = _columns(x, columns, header, label, "x")
    (y_col,) = _columns(y, columns, header, label, "y")
    if y_col in x_cols:
        raise DataError("y", f"{label}: column {columns[y_col]!r} is both an input (x) and the target (y)")
    names = [columns[k] if header else f"column {k}" for k in x_cols]
    target = columns[y_col] if header else f"column {y_col}"
    names = list(_names(from_data_options.pop("feature_names", None), len(names), tuple(names), "feature_names"))
    target = _names(from_data_options.pop("target_name", None), 1, (target,), "target_name")[0]
    like = from_data_options.pop("like", "pytorch")
    if not isinstance(like, str) or like not in RECIPES:
        raise InvalidSetting("like", f"one of {', '.join(RECIPES)}", like)
    X, Y, rows = _read(file, label, bom, delimiter, header, len(columns), (*x_cols, y_col), (*names, target),
                       progress)
    return _recipe(X, Y, names, target, like=like, standardize=from_data_options.pop("standardize", False),
                   name=from_data_options.pop("name", None) or _stem(file), drop_missing=drop_missing,
                   source=label, settings=from_data_options, notes=(), where=label, row_of=rows)


def _check_file(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise DataError("csv", f"the CSV file must be a path, got {path!r}")
    file = Path(path)
    if not file.exists():
        raise DataError("csv", f"{file}: no such file")
    if not file.is_file():
        raise DataError("csv", f"{file}: not a file")
    return file


def _stem(file: Path) -> str:
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in file.stem).strip("_")
    return stem or "own_data"


def _first_line(head: bytes, label: str) -> str:
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataError("csv", f"{label}, row 1: not UTF-8 text (byte 0x{line[err.start]:02x}); save it as "
                        "UTF-8 CSV") from None
    if not text.strip():
        raise DataError("csv", f"{label}: the file is empty (or its first line is blank)")
    return text


def _delimiter(line: str, label: str) -> str:
    counts = {d: len(next(csv.reader([line], delimiter=d))) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    if counts[best] < 2:
        raise DataError("csv", f"{label}, row 1: one column only; the columns must be separated by a comma, a "
                        "semicolon or a tab")
    return best


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return cell.strip().lower() in MISSING - {""}
    return True


def _columns(wanted, columns: tuple[str, ...], header: bool, label: str, what: str) -> tuple[int, ...]:
    """Indices of the columns ``wanted`` names (names or indices; one or a list)."""
    items = [wanted] if isinstance(wanted, (str, int)) else list(wanted) if wanted is not None else []
    if not items or (what == "y" and len(items) != 1):
        raise DataError(what, f"{what} must name {'one column' if what == 'y' else 'one or more columns'}, "
                        f"got {wanted!r}")
    out = []
    available = ", ".join(map(repr, columns)) if header else f"indices 0 … {len(columns) - 1} (the file has no header)"
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise DataError(what, f"{label}: a column is a name or an index, got {item!r}")
        if isinstance(item, int) or (not header and item.strip().isdigit()):
            k = int(item)
            if not 0 <= k < len(columns):
                raise DataError(what, f"{label}: no column {k}; the columns are {available}")
        elif item.strip() in columns:
            k = columns.index(item.strip())
        elif item.strip().isdigit() and int(item) < len(columns):
            k = int(item)
        else:
            raise DataError(what, f"{label}: no column {item!r}; the columns are {available}")
        if k in out:
            raise DataError(what, f"{label}: column {columns[k]!r} is named twice in {what}")
        out.append(k)
    return tuple(out)


def _count_lines(file: Path) -> int:
    n, last = 0, b"\n"
    with open(file, "rb") as f:
        while block := f.read(BLOCK_BYTES):
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def _bar(total: int, label: str, progress: bool | None):
    if progress is None:
        progress = total > PROGRESS_BYTES
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is a dependency; a bare environment without it reads on, without a bar
        return None
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=f"reading {label}")


class _Rows:
    """Which file row each data row came from (blank lines are skipped): a row per block, plus the rows of the
    blocks that held blank lines."""

    def __init__(self, label: str):
        self.label = label
        self.starts: list[int] = []  # data row where each block starts
        self.lines: list[int] = []  # file row of its first data row
        self.exact: dict[int, np.ndarray] = {}  # block → file row of each data row, where it held blank lines

    def add(self, n: int, line: int, exact: np.ndarray | None) -> None:
        if exact is not None:
            self.exact[len(self.starts)] = exact
        self.starts.append(n)
        self.lines.append(line)

    def __call__(self, i: int) -> str:
        b = bisect.bisect_right(self.starts, i) - 1
        row = self.exact[b][i - self.starts[b]] if b in self.exact else self.lines[b] + i - self.starts[b]
        return f"{self.label}, row {row}"


def _read(file, label, bom, delimiter, header, width, cols, names, progress):
    """The columns ``cols`` (inputs, then the target) of every data row, as (N, d) and (N,) float64 arrays, and
    the :class:`_Rows` that names each one's file row."""
    rows = _count_lines(file) - header
    d = len(cols) - 1
    X = np.empty((max(rows, 0), d))
    Y = np.empty(max(rows, 0))
    bar = _bar(file.stat().st_size, label, progress)
    where = _Rows(label)
    n = 0  # rows filled
    line = 1 + header  # the file row the next block starts at
    rest = b""
    try:
        with open(file, "rb") as f:
            if bom:
                f.read(3)
            if header:
                first = f.readline()
                if bar is not None:
                    bar.update(len(first) + 3 * bom)
            while True:
                block = f.read(BLOCK_BYTES)
                if bar is not None:
                    bar.update(len(block))
                data = rest + block
                if block:
                    cut = data.rfind(b"\n") + 1
                    data, rest = data[:cut], data[cut:]
                    if not data:
                        continue
                elif not data:
                    break
                got, line_count, exact = _parse(data, label, line, delimiter, width, cols, names)
                where.add(n, line, exact)
                X[n:n + len(got)] = got[:, :d]
                Y[n:n + len(got)] = got[:, d]
                n += len(got)
                line += line_count
                if not block:
                    break
    finally:
        if bar is not None:
            bar.close()
    if n == 0:
        raise DataError("csv", f"{label}: no rows of data{' under the header' if header else ''}")
    return X[:n], Y[:n], where


def _blank_lines(text: str) -> bool:
    return text.startswith(("\n", "\r\n")) or "\n\n" in text or "\n\r\n" in text


def _parse(data: bytes, label, line, delimiter, width, cols, names):
    """One block of whole lines: its rows' wanted cells (blank lines skipped), the lines it held, and the file row
    of each data row when it held blank lines (else None)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        row = line + data[:err.start].count(b"\n")
        raise DataError("csv", f"{label}, row {row}: not UTF-8 text (byte 0x{data[err.start]:02x}); save it as "
                        "UTF-8 CSV") from None
    lines = text.count("\n") + (not text.endswith("\n"))
    if not text.strip():
        return np.empty((0, len(cols))), lines, None
    try:
        got = np.loadtxt(io.StringIO(text), delimiter=delimiter, usecols=cols, dtype=np.float64, ndmin=2,
                         comments=None, quotechar='"')
    except ValueError:  # a missing or non-numeric cell, a short row: found cell by cell
        got, rows = _parse_slowly(text, label, line, delimiter, width, cols, names)
        return got, lines, rows
    exact = None
    if _blank_lines(text):
        exact = np.asarray([line + k for k, row in enumerate(text.split("\n")) if row.strip()], dtype=np.int64)
    return got, lines, exact


def _parse_slowly(text: str, label, line, delimiter, width, cols, names) -> tuple[np.ndarray, np.ndarray]:
    """The block cell by cell (when numpy's reader refused it): missing cells become NaN, anything else that is
    not a number is refused with its row and column. Also the file row of each data row."""
    out, rows = [], []
    for k, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
        row = line + k
        if all(not c.strip() for c in cells) and len(cells) <= 1:
            continue  # a blank line
        if len(cells) <= max(cols):
            short = next(name for c, name in zip(cols, names, strict=True) if c >= len(cells))
            raise DataError("csv", f"{label}, row {row}: {len(cells)} cell{'s' if len(cells) != 1 else ''}, no "
                            f"column {short!r} (the header has {width})")
        values = []
        for c, name in zip(cols, names, strict=True):
            cell = cells[c].strip()
            try:
                values.append(float(cell))
            except ValueError:
                if cell.lower() in MISSING:
                    values.append(math.nan)
                    continue
                hint = " (a decimal comma? write 1.5, not 1,5)" if "," in cell and delimiter != "," else ""
                raise DataError("csv", f"{label}, row {row}, column {name!r}: {cell!r} is not a number{hint}"
                                ) from None
        out.append(values)
        rows.append(row)
    return np.asarray(out, dtype=np.float64).reshape(-1, len(cols)), np.asarray(rows, dtype=np.int64)
