"""Export the Caffe2 "Toy Regression" nets as the real Caffe2 builds them, for drawing without Caffe2.

Run by the caffe2 environment's interpreter (Python 3.8, torch 1.8.1's bundled Caffe2), e.g.
``python caffe2_graphs_runner.py --out caffe2_nets.json``. The nets are :func:`caffe2_runner.build_nets`
with the tutorial's settings (the ones that record the shipped run). The JSON holds, for the init net and
for the train net at each stage where the tutorial draws it (after the forward ops, after
``AddGradientOperators``, after the SGD ops), every operator's type, inputs and outputs, in net order.
Only caffe2 and the stdlib are imported (plus numpy, through the runner).
"""

import argparse
import json
import os
import sys
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from caffe2_runner import DEFAULTS, build_nets  # noqa: E402


def ops(net):
    """A frozen copy of a net's operators: type, inputs, outputs (and the gradient flag Caffe2 sets)."""
    out = []
    for op in net.Proto().op:
        row = {"type": op.type, "input": list(op.input), "output": list(op.output)}
        if op.is_gradient_op:
            row["gradient"] = True
        out.append(row)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="the .json file to write")
    args = p.parse_args()
    stages = {}
    init_net, _ = build_nets(SimpleNamespace(**DEFAULTS), [1, 2, 3], lambda name, net: stages.update({name: ops(net)}))

    from importlib.metadata import version  # Caffe2 ships inside the torch wheel

    doc = {"framework": "caffe2", "framework_version": "torch " + version("torch"),
           "nets": {"init": ops(init_net), **stages}}
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
