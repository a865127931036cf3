"""The Caffe2 tutorial's computation graphs, drawn as its ``net_drawer.GetPydotGraph`` draws them.

The nets were exported from the real Caffe2 (``caffe2_graphs_runner.py``, run by the caffe2 environment)
into ``nets/caffe2_toy_regression.json``: the init net, and the train net at the three points where the
tutorial draws it. :func:`caffe2_graph` lays one out with Graphviz like ``net_drawer``: operators as
boxes, blobs as ovals, left to right, a blob that an operator overwrites drawn again after it (so ``W``
before and after ``WeightedSum`` are two ovals). Operators new at that stage are filled in net_drawer's
green, those already there in a pale green. Regenerate the data, after ``regress-widgets envs install
caffe2``, with ``python -m regress_widgets.frameworks.graphs``.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

NETS = Path(__file__).resolve().parent / "nets" / "caffe2_toy_regression.json"
RUNNER = Path(__file__).resolve().parent / "caffe2_graphs_runner.py"
STAGES = {
    "init": "the init net",
    "forward": "the train net after the forward operators",
    "gradients": "the train net after AddGradientOperators",
    "sgd": "the train net after the SGD operators",
}
_PREVIOUS = {"gradients": "forward", "sgd": "gradients"}
NEW_OP = {"shape": "box", "style": "filled", "color": "#0F9D58", "fontcolor": "#FFFFFF"}  # net_drawer's OP_STYLE
OLD_OP = {"shape": "box", "style": "filled", "color": "#B7E1CD", "fontcolor": "#1B4D32"}
BLOB = {"shape": "ellipse"}
GRAPH = {"rankdir": "LR", "ranksep": "0.18", "nodesep": "0.1", "margin": "0"}  # compact: legible at notebook width
PNG_DPI = "72"  # the PNG fallback: 11-pixel text, a small file
# Shown at their own size (11-point text), scrolled sideways where wider than the notebook: JupyterLab would
# otherwise shrink the 16-operator net to its width, too small to read.
UNCONFINED = {"image/svg+xml": {"unconfined": True}, "image/png": {"unconfined": True}}
NODE = {"fontname": "Helvetica", "fontsize": "11", "margin": "0.05,0.02", "height": "0.3"}
NO_DOT = ("Graphviz's `dot` program was not found, so the graph cannot be drawn: install Graphviz "
          "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; conda: conda install graphviz)")
NO_GRAPHVIZ = "the graphviz Python package is not installed: pip install graphviz"


@cache
def caffe2_nets() -> dict:
    """The exported nets: ``{"framework_version": ..., "nets": {stage: [{"type", "input", "output"}, ...]}}``."""
    return json.loads(NETS.read_text())


def caffe2_ops(stage: str) -> list[dict]:
    """The operators of one stage ("init", "forward", "gradients", "sgd"), in net order."""
    if stage not in STAGES:
        raise ValueError(f"stage: one of {', '.join(STAGES)}, got {stage!r}")
    return caffe2_nets()["nets"][stage]


@dataclass(frozen=True)
class NetGraph:
    """One drawn net: ``source`` is the DOT text, ``svg`` the picture and ``png`` the same as PNG bytes (None
    when Graphviz is missing, then ``message`` says what to install). Displayed in a notebook, it shows the SVG
    (JupyterLab shows the PNG instead in a notebook it does not trust, such as a fresh clone's) or the message."""

    stage: str
    source: str
    svg: str | None
    png: bytes | None = None
    message: str | None = None

    def _repr_mimebundle_(self, include=None, exclude=None):
        if self.svg is None:
            return {"text/plain": self.message}
        png = base64.b64encode(self.png).decode("ascii")
        data = {"image/svg+xml": self.svg, "image/png": png, "text/plain": repr(self)}
        return data, UNCONFINED

    def __repr__(self):
        return f"<Caffe2 graph: {STAGES[self.stage]}, {len(caffe2_ops(self.stage))} operators>"


def digraph(stage: str):
    """A stage's graph as a ``graphviz.Digraph`` (raises ImportError without the graphviz package)."""
    import graphviz

    ops = caffe2_ops(stage)
    known = len(caffe2_ops(_PREVIOUS[stage])) if stage in _PREVIOUS else 0
    graph = graphviz.Digraph(stage, graph_attr=GRAPH, node_attr=NODE, edge_attr={"arrowsize": "0.6"})
    current: dict[str, str] = {}  # blob name → its latest node
    versions: dict[str, int] = {}

    def blob(name: str, written: bool) -> str:
        if written or name not in current:
            versions[name] = versions.get(name, -1) + 1
            current[name] = f"{name}#{versions[name]}"
            graph.node(current[name], label=name, **BLOB)
        return current[name]

    for i, op in enumerate(ops):
        node = f"op#{i}"
        graph.node(node, label=op["type"], **(OLD_OP if i < known else NEW_OP))
        for name in op["input"]:
            graph.edge(blob(name, written=False), node)
        for name in op["output"]:
            graph.edge(node, blob(name, written=True))
    return graph


def caffe2_graph(stage: str = "sgd") -> NetGraph:
    """Draw the Caffe2 tutorial's net at ``stage`` as SVG (``display`` it, or read ``.svg``).

    Without the ``dot`` program or the graphviz package the result carries a message saying what to install,
    and displays that message, instead of raising."""
    try:
        import graphviz
    except ImportError:
        caffe2_ops(stage)
        return NetGraph(stage, "", None, message=NO_GRAPHVIZ)
    graph = digraph(stage)
    try:
        svg = graph.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        return NetGraph(stage, graph.source, None, message=NO_DOT)
    fallback = graph.copy()
    fallback.graph_attr["dpi"] = PNG_DPI
    return NetGraph(stage, graph.source, svg, fallback.pipe(format="png"))


def export(out: Path = NETS, python: str | None = None) -> Path:
    """Run the real Caffe2 (its environment, or ``python``) to export the nets into ``out``."""
    from . import envs

    python = python or str(envs.env_python("caffe2"))
    subprocess.run([python, "-s", str(RUNNER), "--out", str(out)], check=True)
    return Path(out)


if __name__ == "__main__":
    print(f"wrote {export(Path(sys.argv[1]) if len(sys.argv) > 1 else NETS)}")
