"""The Caffe2 tutorial's computation graphs: the shipped nets are what the real Caffe2 builds, and
``caffe2_graph`` draws them as net_drawer does (operators as boxes, blobs as ovals, left to right).

Drawing needs Graphviz's ``dot`` (Debian's graphviz; ``bash .ci/test`` installs it): missing, the drawing tests
FAIL in CI and skip elsewhere, saying why. Comparing with a fresh export needs the caffe2 environment
(``regress-widgets envs install caffe2``); missing, that test fails, as tests/test_frameworks.py's do.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from regress_widgets.frameworks import caffe2_graph, envs, graphs

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_caffe2_toy_regression.ipynb"
ADDED = {  # what each stage adds to the train net, in order (the tutorial's three pictures)
    "forward": ["GaussianFill", "FC", "GaussianFill", "Add", "StopGradient", "FC", "SquaredL2Distance",
                "AveragedLoss"],
    "gradients": ["ConstantFill", "AveragedLossGradient", "SquaredL2DistanceGradient", "FCGradient"],
    "sgd": ["Iter", "LearningRate", "WeightedSum", "WeightedSum"],
}


@pytest.fixture
def dot():
    if shutil.which("dot") is None:
        message = "Graphviz's dot is not installed (apt-get install graphviz; bash .ci/test does it)"
        if "CI" in os.environ:
            pytest.fail(f"{message}. CI (the CI variable is set) must draw the graphs.", pytrace=False)
        pytest.skip(f"{message}; skipped because the CI variable is unset (in CI this fails)")


def test_the_shipped_nets_are_what_the_real_caffe2_builds(tmp_path):
    try:
        python = envs.env_python("caffe2")
    except envs.EnvError as err:
        pytest.fail(str(err), pytrace=False)
    fresh = graphs.export(tmp_path / "nets.json", python=str(python))
    assert json.loads(fresh.read_text()) == graphs.caffe2_nets()


def test_each_stage_adds_what_the_tutorial_adds():
    nets = graphs.caffe2_nets()["nets"]
    assert [op["type"] for op in nets["init"]] == ["GivenTensorFill", "GivenTensorFill", "ConstantFill",
                                                   "ConstantFill", "UniformFill", "ConstantFill"]
    before = []
    for stage, added in ADDED.items():
        ops = nets[stage]
        assert ops[:len(before)] == before and [op["type"] for op in ops[len(before):]] == added
        before = ops
    sgd = {op["type"]: op for op in nets["sgd"][-4:]}
    # Iter writes ITER, then LearningRate reads it: iteration k uses the rate of k, not k-1 (19 steps at 0.1)
    assert sgd["Iter"]["input"] == sgd["Iter"]["output"] == ["ITER"] and sgd["LearningRate"]["input"] == ["ITER"]
    assert [op["input"] for op in nets["sgd"][-2:]] == [["W", "ONE", "W_grad", "LR"], ["B", "ONE", "B_grad", "LR"]]


def _nodes(svg: str) -> list[tuple[str, str]]:
    """(shape, label) of every node of a dot SVG: polygon = box, ellipse = oval."""
    out = []
    for node in re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, flags=re.S):
        shape = "box" if "<polygon" in node else "ellipse" if "<ellipse" in node else "?"
        out.append((shape, re.search(r"<text[^>]*>([^<]*)</text>", node).group(1)))
    return out


@pytest.mark.parametrize("stage", ["forward", "gradients", "sgd", "init"])
def test_graph_draws_ops_as_boxes_and_blobs_as_ovals(dot, stage):
    ops = graphs.caffe2_ops(stage)
    graph = caffe2_graph(stage)
    assert graph.svg.lstrip().startswith("<?xml") and "<svg" in graph.svg
    nodes = _nodes(graph.svg)
    assert sorted(label for shape, label in nodes if shape == "box") == sorted(op["type"] for op in ops)
    blobs = [label for shape, label in nodes if shape == "ellipse"]
    assert set(blobs) == {name for op in ops for name in op["input"] + op["output"]}
    assert "rankdir=LR" in graph.source
    assert caffe2_graph(stage).svg == graph.svg  # deterministic
    bundle, metadata = graph._repr_mimebundle_()
    assert metadata == {mime: {"unconfined": True} for mime in ("image/svg+xml", "image/png")}  # legible, scrolled
    assert bundle["image/svg+xml"] == graph.svg
    assert base64.b64decode(bundle["image/png"]) == graph.png and graph.png.startswith(b"\x89PNG")  # untrusted view


def test_an_overwritten_blob_is_drawn_again_and_new_ops_stand_out(dot):
    blobs = [label for shape, label in _nodes(caffe2_graph("sgd").svg) if shape == "ellipse"]
    for name in ("W", "B", "ITER"):  # WeightedSum writes W and B, Iter writes ITER: before and after
        assert blobs.count(name) == 2, name
    source = caffe2_graph("sgd").source
    new = re.findall(r'label=(\w+) color="#0F9D58"', source)
    assert new == ADDED["sgd"]


def test_without_dot_a_clear_message_and_no_exception(monkeypatch, tmp_path):
    from IPython.core.formatters import DisplayFormatter

    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    graph = caffe2_graph("forward")
    assert graph.svg is None and "rankdir=LR" in graph.source
    shown, _ = DisplayFormatter().format(graph)
    assert shown == {"text/plain": graphs.NO_DOT} and "apt-get install graphviz" in graphs.NO_DOT


def test_a_bad_stage_names_the_stages():
    with pytest.raises(ValueError, match="stage: one of init, forward, gradients, sgd, got 'backward'"):
        caffe2_graph("backward")


def test_notebook_01_shows_the_three_pictures_where_the_tutorial_does():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    shown = []
    for cell in cells:
        source = "".join(cell["source"])
        match = re.search(r'caffe2_graph\("(\w+)"\)', source)
        if cell["cell_type"] == "code" and match:
            svg = "".join(next(o["data"]["image/svg+xml"] for o in cell["outputs"] if "data" in o))
            boxes = [label for shape, label in _nodes(svg) if shape == "box"]
            assert sorted(boxes) == sorted(op["type"] for op in graphs.caffe2_ops(match.group(1)))
            shown.append(match.group(1))
    assert shown == ["forward", "gradients", "sgd"]
