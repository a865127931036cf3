"""What every runner shares: its command line and the file it writes. numpy and the stdlib only.

The runners are standalone scripts, each run by its own framework's interpreter (Caffe2's is
Python 3.8), so this module must stay Python 3.8-compatible and import nothing of
``regress_widgets``. A runner writes a plain, uncompressed ``.npz`` with the DESIGN §2 keys;
``regress_widgets.frameworks.record`` checks it, stores it compactly, and that is the recording.
"""

import argparse
import json
import platform

import numpy as np


def parse_args(description, defaults, streaming):
    """The engine's overrides; ``defaults`` are the tutorial's own values (``steps`` or ``epochs``)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--out", required=True, help="the .npz file to write")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=defaults["lr"], help="base learning rate (positive)")
    p.add_argument("--gamma", type=float, default=defaults["gamma"], help="step-decay factor")
    p.add_argument("--stepsize", type=int, default=defaults["stepsize"], help="iterations between decays")
    p.add_argument("--batch-size", type=int, dest="batch_size", default=defaults["batch_size"])
    p.add_argument("--noise", type=float, default=defaults["noise"], help="std of the label noise")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int)
    length.add_argument("--epochs", type=int)
    args = p.parse_args()
    if args.steps is None and args.epochs is None:
        if streaming:
            args.steps = defaults["steps"]
        else:
            args.epochs = defaults["epochs"]
    if streaming and args.epochs is not None:
        p.error("--epochs: this tutorial draws a fresh batch every step; use --steps")
    return args


def settings(args):
    out = {k: getattr(args, k) for k in ("lr", "gamma", "stepsize", "batch_size", "noise")}
    if args.steps is not None:
        out["steps"] = args.steps
    else:
        out["epochs"] = args.epochs
    return out


class Recorder:
    """Collects, step by step, the batch a framework consumed, its θ after the step, lr and loss."""

    def __init__(self, theta0):
        self.theta0 = np.asarray(theta0, dtype=np.float32).ravel()
        self.X, self.y, self.theta, self.lr, self.loss = [], [], [self.theta0], [], []

    def step(self, X, y, theta, lr, loss):
        """One SGD step: the batch (X (B, d), y (B,)), θ after it, the lr it used, the loss before it."""
        X = np.asarray(X, dtype=np.float32)
        self.X.append(X.reshape(len(X), -1))
        self.y.append(np.asarray(y, dtype=np.float32).ravel())
        self.theta.append(np.asarray(theta, dtype=np.float32).ravel())
        self.lr.append(float(lr))
        self.loss.append(float(np.asarray(loss).ravel()[0]))

    def save(self, path, framework, framework_version, recipe, args):
        meta = {
            "framework": framework, "framework_version": str(framework_version), "recipe": recipe,
            "seed": args.seed, "dtype": "float32", "python": platform.python_version(),
            "settings": settings(args),
        }
        np.savez(
            path,
            X=np.concatenate(self.X), y=np.concatenate(self.y),
            batch_sizes=np.array([len(b) for b in self.y], dtype=np.int64),
            theta0=self.theta0, theta=np.stack(self.theta),
            lr=np.array(self.lr, dtype=np.float64), loss=np.array(self.loss, dtype=np.float64),
            meta=np.array(json.dumps(meta, sort_keys=True)),
        )
