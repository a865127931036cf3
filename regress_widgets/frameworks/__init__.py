"""The real Caffe2, MXNet and PyTorch tutorials, each run in its own interpreter, and their recordings.

* ``envs`` builds the isolated environments (``regress-widgets envs install caffe2|mxnet|pytorch|all``);
* ``<framework>_runner.py`` are standalone scripts run by those interpreters (Caffe2's: Python 3.8);
* ``record`` runs one and writes a DESIGN §2 recording (``regress-widgets record``);
* ``recordings/`` ships each tutorial's own run, which ``regress_widgets.replay`` reproduces.
"""

from .graphs import caffe2_graph

__all__ = ["caffe2_graph"]
