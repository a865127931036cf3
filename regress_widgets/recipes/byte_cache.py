"""A cache bounded by bytes, not by a count of entries: :class:`ByteCache` and :func:`nbytes`.

A count bounds memory only when entries are alike; a loss surface of 50 examples and one of 10,000, a stability
object before and after its shuffled Hessians are cached, are not. Sizes are measured again at every insertion
(entries may grow after they were made: lazily cached properties), never at a hit, and the entries used longest
ago go first until the rest fit; the newest always stays, however large.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import numpy as np


def nbytes(obj, _seen=None, _depth=0) -> int:
    """The bytes of the numpy arrays ``obj`` holds (through tuples, lists, dicts, dataclasses and instance
    dictionaries, each array once, a view as its base), plus 64 bytes per object visited."""
    seen = set() if _seen is None else _seen
    if id(obj) in seen or _depth > 8 or obj is None or isinstance(obj, (int, float, str, bytes, bool)):
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        base = obj
        while isinstance(base.base, np.ndarray):
            base = base.base
        if base is not obj:
            if id(base) in seen:
                return 0
            seen.add(id(base))
        return int(base.nbytes)
    if isinstance(obj, dict):
        items = list(obj.values()) + list(obj.keys())
    elif isinstance(obj, (tuple, list, set, frozenset)):
        items = list(obj)
    elif dataclasses.is_dataclass(obj) or hasattr(obj, "__dict__"):
        items = list(getattr(obj, "__dict__", {}).values())
        items += [getattr(obj, f.name, None) for f in dataclasses.fields(obj)] if dataclasses.is_dataclass(obj) else []
    else:
        return 64
    return 64 + sum(nbytes(v, seen, _depth + 1) for v in items)


class ByteCache(OrderedDict):
    """Least recently used entries go first once the entries' bytes (``size(value)``, default :func:`nbytes`)
    pass ``budget``; ``count``: at most this many entries besides (None: no bound)."""

    def __init__(self, budget: int, count: int | None = None, size=None):
        super().__init__()
        self.budget = budget
        self.count = count
        self.size = nbytes if size is None else size

    def get_or(self, key, make):
        if key in self:  # a hit measures nothing (a slider's change hits: it must stay cheap)
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        self.trim()  # what the others grew to since is measured here, at the next new entry
        return value

    def bytes(self) -> int:
        return sum(self.size(v) for v in self.values())

    def trim(self) -> None:
        """Forget the entries used longest ago until the rest fit (the newest stays)."""
        sizes = [self.size(v) for v in self.values()]
        total = sum(sizes)
        for s in sizes[:-1]:
            if total <= self.budget and (self.count is None or len(self) <= self.count):
                break
            self.popitem(last=False)
            total -= s
