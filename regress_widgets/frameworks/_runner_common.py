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
    p.add_argument("--optimizer", choices=("sgd", "nesterov", "adam"), default="sgd")
    p.add_argument("--momentum", type=float, default=0.0, help="momentum of sgd and nesterov")
    p.add_argument("--beta1", type=float, default=0.9, help="Adam's beta1")
    p.add_argument("--beta2", type=float, default=0.999, help="Adam's beta2")
    p.add_argument("--eps", type=float, default=1e-8, help="Adam's epsilon")
    p.add_argument("--weight-decay", type=float, dest="weight_decay", default=0.0,
                   help="weight decay (every parameter)")
    args = p.parse_args()
    if args.steps is None and args.epochs is None:
        if streaming:
            args.steps = defaults["steps"]
        else:
            args.epochs = defaults["epochs"]
    if streaming and args.epochs is not None:
        p.error("--epochs: this tutorial draws a fresh batch every step; use --steps")
    return args


OPTIMIZER_DEFAULTS = {"optimizer": "sgd", "momentum": 0.0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                      "weight_decay": 0.0}


def plain_sgd(args):
    """The tutorial's own update: sgd without momentum or weight decay (then the runner keeps the tutorial's code)."""
    return args.optimizer == "sgd" and args.momentum == 0 and args.weight_decay == 0


def settings(args):
    """Every setting the framework ran with: the optimizer's all of them as soon as one is not its default (absent
    keys mean the defaults, so the tutorial's own recordings stay as they were)."""
    out = {k: getattr(args, k) for k in ("lr", "gamma", "stepsize", "batch_size", "noise")}
    if any(getattr(args, k) != v for k, v in OPTIMIZER_DEFAULTS.items()):
        out.update({k: getattr(args, k) for k in OPTIMIZER_DEFAULTS})
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
