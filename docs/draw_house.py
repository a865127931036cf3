"""Draw the house from the code: the package's floors and the lab's rooms, with an arrow wherever one imports the
other (every import counts: lazy ones and those under TYPE_CHECKING too), read by grimp, the import graph library
under import-linter. Writes docs/house.dot and, where Graphviz's ``dot`` is installed, docs/house.svg.

    python docs/draw_house.py          # rewrite both
    python docs/draw_house.py --check  # exit 1 when docs/house.dot is not what the code draws (tests run this)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import grimp

HERE = Path(__file__).resolve().parent
FLOORS = ("cli", "lab", "panels", "frameworks", "hub", "own_data", "engine", "theory", "words", "recipes")
"""Top to bottom, as the import-linter contract in pyproject.toml orders them (frameworks and hub, own_data and
engine, theory and words are independent neighbours on one floor)."""
RANKS = (("cli",), ("lab",), ("panels",), ("frameworks", "hub"), ("own_data", "engine"), ("theory", "words"),
         ("recipes",))
ROOMS = ("side_by_side", "exercises", "board", "lab", "ahead", "stability_map", "share", "classroom", "url_state",
         "controls", "screen")
"""The lab's own rooms and modules, top to bottom (its layers contract)."""
JOBS = {
    "cli": "the command line", "lab": "the widgets", "panels": "matplotlib panels",
    "frameworks": "recordings, real frameworks", "hub": "the class service", "own_data": "your own data in",
    "engine": "SGD, one run or many",
    "theory": "the loss surface", "words": "translations", "recipes": "tutorials, settings, seeded data",
}


def place(module: str) -> str | None:
    """The floor (or the lab's room, as lab.<room>) a module of the package lives in; None for the package itself."""
    parts = module.split(".")[1:]
    if not parts or parts[0] not in FLOORS:
        return None
    if parts[0] == "lab" and len(parts) > 1:
        return f"lab.{parts[1]}"
    return parts[0]


def arrows() -> Counter:
    """(importer's place, imported place) → number of import statements, between different places."""
    graph = grimp.build_graph("regress_widgets", include_external_packages=False)
    count: Counter = Counter()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = place(importer), place(imported)
            if a and b and a != b:
                count[a, b] += len(graph.get_import_details(importer=importer, imported=imported)) or 1
    return count


def dot_source() -> str:
    count = arrows()
    lines = ["digraph house {",
             '  graph [rankdir=TB, compound=true, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.35];',
             '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", fontname="Helvetica", fontsize=11];',
             '  edge [color="#888888", arrowsize=0.6, fontname="Helvetica", fontsize=9];']
    lines.append('  subgraph cluster_lab {\n    label="lab: its rooms"; style="rounded"; color="#bbbbbb";')
    for room in ROOMS:
        lines.append(f'    "lab.{room}" [label="{room}", fillcolor="#e8f0fb"];')
    lines.append("  }")
    for floor in FLOORS:
        if floor != "lab":
            lines.append(f'  "{floor}" [label="{floor}\\n{JOBS[floor]}"];')
    for rank in RANKS:
        if rank != ("lab",):
            lines.append("  { rank=same; " + " ".join(f'"{f}";' for f in rank) + " }")
    merged: Counter = Counter()  # a lab room's arrows to the floors below are drawn as the lab's
    for (a, b), n in count.items():
        if a == "lab" or b == "lab":
            continue  # the lab's package itself (its __init__) only re-exports its rooms
        merged["lab" if a.startswith("lab.") and not b.startswith("lab.") else a, b] += n
    for (a, b), n in sorted(merged.items()):
        tail = ' ltail="cluster_lab",' if a == "lab" else ""
        start = "lab.screen" if a == "lab" else a
        lines.append(f'  "{start}" -> "{b}" [{tail} label="{n}", penwidth={min(0.6 + n / 12, 3):.2f}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that docs/house.dot is up to date")
    args = parser.parse_args(argv)
    source = dot_source()
    path = HERE / "house.dot"
    if args.check:
        if not path.exists() or path.read_text() != source:
            print("docs/house.dot is not what the code draws: run `python docs/draw_house.py`", file=sys.stderr)
            return 1
        return 0
    path.write_text(source)
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg", str(path), "-o", str(HERE / "house.svg")], check=True)
    else:
        print("Graphviz's dot is not installed: docs/house.svg not redrawn", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
