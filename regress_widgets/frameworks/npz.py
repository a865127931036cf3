"""Read an untrusted ``.npz`` archive: a regular file, known members, headers checked, sizes bounded.

Nothing is inflated or allocated before the archive's directory and every member's ``.npy`` header
have been checked: only the expected names, plain numeric or string dtypes (no pickled objects), the
header's shape matching the member's declared size exactly, and the total within the memory limit. A
member never inflates past its declared size (``zipfile`` stops there and checks the CRC), and an
archive that inflates far more than real data does (a zip bomb) is refused.
"""

from __future__ import annotations

import math
import os
import stat
import zipfile

import numpy as np

from ..engine.memory import memory_limit, size_text

KINDS = "iufU"
"""Allowed dtype kinds: integers, floats and (for text) unicode strings."""
MAX_RATIO = 50
"""Largest inflation (bytes inflated ÷ bytes in the archive) accepted for archives over :data:`RATIO_FROM`."""
RATIO_FROM = 64 * 2**20
MAX_HEADER = 10_000


class NpzError(ValueError):
    """An archive that cannot be read as expected; ``key`` is ``"file"`` or the member's name."""

    def __init__(self, key: str, problem: str):
        self.key, self.problem = key, problem
        super().__init__(problem)


def read_npz(path, keys: tuple[str, ...], *, widen: int = 8) -> dict[str, np.ndarray]:
    """The arrays of the archive at ``path``, whose members must be among ``keys``.

    ``widen``: bytes per number the caller will use (a float32 member converted to float64 counts twice)
    in the memory estimate.
    """
    try:
        info = os.stat(path)
    except OSError as err:
        raise NpzError("file", f"cannot be read ({err.strerror or err})") from None
    if not stat.S_ISREG(info.st_mode):
        raise NpzError("file", "is not a regular file")
    try:
        with open(path, "rb") as file, zipfile.ZipFile(file) as archive:
            members = _directory(archive, keys, info.st_size, widen)
            return {key: _read_member(archive, member, header) for key, (member, header) in members.items()}
    except NpzError:
        raise
    except Exception as err:  # noqa: BLE001 — any failure to decode untrusted bytes is a bad file, not a crash
        raise NpzError("file", f"is not a readable .npz archive ({type(err).__name__}: {err})") from None


def _directory(archive: zipfile.ZipFile, keys, file_size: int, widen: int) -> dict:
    """Check the archive's member names, declared sizes and every ``.npy`` header; return them by key."""
    infos = archive.infolist()
    names = [i.filename for i in infos]
    unknown = [n for n in names if n.removesuffix(".npy") not in keys or not n.endswith(".npy")]
    if unknown:
        raise NpzError("file", f"holds an unexpected member {unknown[0]!r} (expected {', '.join(keys)})")
    if len(set(names)) != len(names):
        raise NpzError("file", "holds the same member twice")
    inflated = sum(i.file_size for i in infos)
    if inflated > RATIO_FROM and inflated > MAX_RATIO * max(file_size, 1):
        raise NpzError("file", f"inflates {inflated / max(file_size, 1):.0f}× ({size_text(file_size)} → "
                               f"{size_text(inflated)}): not data a framework wrote (a zip bomb?)")
    members, need = {}, 0
    for info in infos:
        key = info.filename.removesuffix(".npy")
        shape, dtype, offset = _header(archive, info)
        count = math.prod(shape)
        if count * dtype.itemsize != info.file_size - offset:
            raise NpzError(key, f"header claims shape {shape} of {dtype} ({size_text(count * dtype.itemsize)}), "
                                f"but the member holds {size_text(max(info.file_size - offset, 0))}")
        need += count * max(dtype.itemsize, widen if dtype.kind != "U" else 0) + count * dtype.itemsize
        members[key] = (info, (shape, dtype, offset))
    limit = memory_limit()
    if need > limit:
        raise NpzError("file", f"its arrays need about {size_text(need)} in memory, more than the limit of "
                               f"{size_text(limit)}")
    return members


def _header(archive, info) -> tuple[tuple[int, ...], np.dtype, int]:
    key = info.filename.removesuffix(".npy")
    with archive.open(info) as fp:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp, max_header_size=MAX_HEADER)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp, max_header_size=MAX_HEADER)
        else:
            raise NpzError(key, f"uses .npy format version {version}, not 1.0 or 2.0")
        offset = fp.tell()
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in KINDS:
        raise NpzError(key, f"has dtype {dtype}: expected plain numbers (or text), never pickled objects")
    if fortran and len(shape) > 1:
        raise NpzError(key, "is stored in Fortran order (expected C order, as numpy writes)")
    return tuple(int(n) for n in shape), dtype, offset


def _read_member(archive, info, header) -> np.ndarray:
    shape, dtype, offset = header
    nbytes = math.prod(shape) * dtype.itemsize
    buf = bytearray(nbytes)
    view = memoryview(buf)
    with archive.open(info) as fp:
        fp.read(offset)
        got = 0
        while got < nbytes:
            n = fp.readinto(view[got:])
            if not n:
                break
            got += n
        if got != nbytes or fp.read(1):  # reading to the end also checks the CRC
            raise NpzError(info.filename.removesuffix(".npy"), "is truncated or longer than its header says")
    return np.frombuffer(buf, dtype=dtype).reshape(shape)
