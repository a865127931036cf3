"""The notebooks' stored outputs do not depend on MPLBACKEND.

Hub and CI images often set ``MPLBACKEND=Agg``; under it a bare ``plt.show()`` shows nothing, and nbval then finds
a figure output missing. The notebooks that draw with pyplot choose the inline backend themselves
(``%matplotlib inline``), so nbval passes whatever the environment says: this test runs the suite's own nbval
(pyproject's options, the same sanitizer) on them with MPLBACKEND=Agg.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPLOT_NOTEBOOKS = ("04_momentum_and_adam.ipynb", "05_your_own_data.ipynb")
"""The notebooks that show figures with plt.show() (the others show widgets, or display figures themselves)."""


@pytest.mark.parametrize("backend", ["Agg"])
def test_pyplot_notebooks_pass_nbval_whatever_mplbackend_says(backend, tmp_path):
    env = {**os.environ, "MPLBACKEND": backend, "MPLCONFIGDIR": str(tmp_path / "mpl")}
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header",
            *(f"notebooks/{name}" for name in PYPLOT_NOTEBOOKS)]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"nbval with MPLBACKEND={backend} failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}"
    assert " passed" in done.stdout and " failed" not in done.stdout


def test_every_pyplot_notebook_chooses_its_backend():
    """A notebook that calls plt.show() says %matplotlib inline (or widget) before it: a new one cannot forget."""
    import nbformat

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        first_show = next((i for i, source in enumerate(code) if "plt.show()" in source), None)
        if first_show is None:
            continue
        chosen = any(line.strip().startswith("%matplotlib") for source in code[:first_show + 1]
                     for line in source.splitlines())
        assert chosen, f"{path.name} calls plt.show() without choosing a backend (%matplotlib inline) first"
