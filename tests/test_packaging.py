"""The package as a teacher installs it: ``python -m build`` makes an sdist and a wheel (the wheel built from
the sdist), ``twine check`` passes, and the wheel, installed into a fresh venv, runs and finds its notebooks
from outside the clone.

The fresh venv gets the wheel alone (``--no-deps``) and sees this test venv's packages through a ``.pth``
line, so nothing is downloaded and it takes seconds; the wheel's own files come first on its path.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

import regress_widgets

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
VERSION = regress_widgets.__version__


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory) -> Path:
    """A fresh venv holding the wheel; its other packages come from this test venv."""
    root = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    python = root / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "test_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(dist.glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "--no-cache-dir", str(wheel)], check=True, capture_output=True, timeout=300)
    return root


def test_sdist_and_wheel_carry_the_notebooks_and_data(dist):
    wheel = next(dist.glob(f"regress_widgets-{VERSION}-py3-none-any.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("regress_widgets/notebooks/")) == NOTEBOOKS
    for data in ("frameworks/recordings/caffe2.npz", "frameworks/recordings/mxnet.npz",
                 "frameworks/recordings/pytorch.npz", "frameworks/nets/caffe2_toy_regression.json",
                 "lab/screen/screen.js",
                 "frameworks/caffe2_runner.py", "frameworks/caffe2_graphs_runner.py", "words/words.json",
                 "own_data/datasets/anscombe.csv",  # rw.datasets.anscombe()
                 "lab/classroom/examples/largest_lr.json"):  # rw.Exercises("largest_lr")
        assert f"regress_widgets/{data}" in names
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "regress_widgets").rglob("__init__.py")}
    assert packages <= {n.rsplit("/", 1)[0] for n in names}, "a package is missing from the wheel"
    assert not [n for n in names if n.startswith("tests/") or ".ipynb_checkpoints" in n or "__pycache__" in n]

    sdist = next(dist.glob(f"regress_widgets-{VERSION}.tar.gz"))
    members = tarfile.open(sdist).getnames()
    for notebook in NOTEBOOKS:
        assert f"regress_widgets-{VERSION}/notebooks/{notebook}" in members


def test_twine_check_passes(dist):
    check = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_installed_wheel_runs_and_finds_its_notebooks_outside_the_clone(venv, tmp_path):
    bin_ = venv / "bin"

    def run(*argv):
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                              env={"PATH": f"{bin_}:/usr/bin:/bin", "HOME": str(tmp_path / "home")})
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert run(bin_ / "regress-widgets", "--version").strip() == f"regress-widgets {VERSION}"
    summary = json.loads(run(bin_ / "regress-widgets", "run", "pytorch", "--json"))
    assert summary["recipe"] == "pytorch" and summary["steps"] == 175
    assert abs(summary["w"][0] - 3) < 0.3 and abs(summary["b"] - 5) < 0.5

    lookup = json.loads(run(bin_ / "python", "-c", """if True:
        import json, regress_widgets
        from regress_widgets.cli import launch
        from regress_widgets.frameworks import caffe2_graph
        source = launch.bundled_notebooks()
        work = launch.working_folder(source)
        print(json.dumps({"package": regress_widgets.__file__, "source": str(source), "work": str(work),
                          "copied": launch.notebook_names(work), "ops": len(caffe2_graph("sgd").source)}))
    """))
    assert Path(lookup["package"]).is_relative_to(venv)  # the wheel's files, not the clone's
    assert Path(lookup["source"]) == Path(lookup["package"]).parent / "notebooks"
    assert lookup["work"] == str(tmp_path / "home" / "regress_widgets_notebooks")  # copies, never in place
    assert lookup["copied"] == NOTEBOOKS
    assert lookup["ops"] > 0
