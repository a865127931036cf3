"""The house (docs/architecture.md): its import contracts kept, no folder too crowded, no file too long, every
folder saying its job, the picture of it true to the code, and no import cycle among the benchmarks."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "regress_widgets"
MAX_LINES = 400
MAX_TOP = 12


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.fail(f"lint-imports is missing beside {sys.executable}: "
                    "install the test extras (pip install -e '.[test]')")
    out = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_the_package_top_has_few_entries():
    entries = [p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"]
    assert len(entries) <= MAX_TOP, sorted(entries)


def test_every_folder_says_its_job():
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc.splitlines()[0]) > 20, f"{init.relative_to(ROOT)} has no docstring saying its job"


@pytest.mark.parametrize("folder", ["regress_widgets", "benchmarks", "docs"])
def test_no_file_is_too_long(folder):
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".js")
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"over {MAX_LINES} lines: {long}"


def test_the_picture_of_the_house_is_true_to_the_code():
    out = subprocess.run([sys.executable, str(ROOT / "docs" / "draw_house.py"), "--check"], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr


def test_the_benchmarks_import_each_other_without_a_cycle():
    scripts = {p.stem: p for p in (ROOT / "benchmarks").glob("*.py")}
    imports = {}
    for name, path in scripts.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module in scripts and not node.level:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name in scripts}
        imports[name] = found

    def reaches(start, goal, seen=()):
        return any(n == goal or (n not in seen and reaches(n, goal, (*seen, n))) for n in imports[start])

    cycles = [name for name in imports if reaches(name, name)]
    assert not cycles, f"benchmarks in an import cycle: {cycles}"
