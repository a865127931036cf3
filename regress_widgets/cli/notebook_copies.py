"""The working copies of the bundled notebooks that ``regress-widgets lab`` and ``app`` open.

Jupyter autosaves what it opens, so it must never open the bundled notebooks themselves (a clone's
``notebooks/``, the very files CI checks, or the package's installed copy): it opens copies in a working folder.

What a teacher expects at each start, notebook by notebook:

- no copy yet: the bundled notebook is copied;
- a copy nobody changed since it was copied, and the bundled notebook has changed (a new release, a ``git
  pull``): the copy is replaced by the new one, and a line says so;
- a copy that was changed (a student ran or edited it): it is kept, never overwritten; when the bundled
  notebook has changed since, a line says so and how to get the new one (delete or rename the copy).

"Changed" is judged by content: the folder keeps a small record (``.regress_widgets_copies.json``, hidden in
Jupyter's file browser) of the SHA-256 of each bundled notebook when it was copied. A copy made before that
record existed counts as changed; its bundled notebook counts as newer when its file is newer.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

RECORD = ".regress_widgets_copies.json"


class FolderError(ValueError):
    """The working folder cannot be used; the message says why."""


@dataclass
class CopyReport:
    """What one start did: the folder, and one plain sentence per notebook that was updated or kept stale."""

    folder: Path
    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept_stale: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"updated {name}: you had not changed your copy, and the bundled one is newer" for name in self.updated]
        out += [f"kept your changed copy of {name}; the bundled one is newer: delete or rename your copy "
                f"({self.folder / name}) to get the new one at the next start" for name in self.kept_stale]
        return out


def notebook_names(source: Path) -> list[str]:
    return sorted(p.name for p in source.glob("*.ipynb"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_record(target: Path) -> dict[str, str]:
    try:
        record = json.loads((target / RECORD).read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in record.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(
        record, dict) else {}


def refresh(source: Path, target: Path, protected: list[Path]) -> CopyReport:
    """Make or refresh the copies of ``source``'s notebooks in ``target`` (rules in the module docstring).
    :class:`FolderError` when ``target`` is one of ``protected`` (the bundled notebooks), a file, or unwritable."""
    target = target.expanduser()
    resolved = target.resolve()
    if any(resolved == p.resolve() for p in protected):
        raise FolderError(f"{target} holds the bundled notebooks, which Jupyter would edit in place; "
                          "choose another folder")
    if target.exists() and not target.is_dir():
        raise FolderError(f"{target} is a file, not a folder")
    report = CopyReport(target)
    try:
        target.mkdir(parents=True, exist_ok=True)
        record = _read_record(target)
        for name in notebook_names(source):
            bundled, copy = source / name, target / name
            new = _digest(bundled)
            if not copy.exists():
                report.copied.append(name)
            elif new == record.get(name) or _digest(copy) == new:
                record[name] = new
                continue  # up to date (possibly changed by the student: then kept)
            elif record.get(name) is not None and _digest(copy) == record[name]:
                report.updated.append(name)  # untouched since copied: follow the bundled one
            else:
                if record.get(name) is not None or bundled.stat().st_mtime > copy.stat().st_mtime:
                    report.kept_stale.append(name)
                continue  # a student's copy: never overwritten
            shutil.copyfile(bundled, copy)  # not the mode: installed files may be read-only
            record[name] = new
        (target / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    except OSError as err:
        raise FolderError(f"cannot write the notebooks to {target}: {err.strerror or err}") from None
    return report
