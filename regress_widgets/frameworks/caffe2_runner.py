"""The Caffe2 "Toy Regression" tutorial, run by the real Caffe2, recording every step.

Run by the caffe2 environment's interpreter (Python 3.8, torch 1.8.1's bundled Caffe2), e.g.
``python caffe2_runner.py --out rec.npz --seed 0``; the nets are the tutorial's, op for op.
Only numpy, caffe2 and the stdlib are imported. Differences from the tutorial, all forced:

* ``ITER`` is INT64: the tutorial's INT32 is refused by this Caffe2's ``Iter`` op.
* Each random op gets its own seed through its ``DeviceOption``: one net-wide seed would give
  both ``GaussianFill`` ops the same stream (X's first values would be the noise).
* The label noise std and the batch size are settable (the tutorial's 1.0 and 64), and the
  learning rate's base, gamma and stepsize (the tutorial's 0.1, 0.9, 20); Caffe2 is handed
  ``base_lr = -lr`` exactly as the tutorial writes ``-0.1``, and the recording stores ``-LR``.
* ``--optimizer``, ``--momentum``, ``--weight-decay`` (Adam: ``--beta1 --beta2 --eps``) put Caffe2's own
  update ops in the net in place of ``WeightedSum``: ``MomentumSGDUpdate`` (``nesterov`` 0 or 1; it
  subtracts, so ``base_lr = +lr``) or ``Adam`` (reading ``ITER``, after ``Iter``, as its step counter);
  weight decay is ``WeightedSum([dW, ONE, W, WD], dW)`` before the update, as Caffe2's optimizer builds it.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from _runner_common import OPTIMIZER_DEFAULTS, Recorder, parse_args  # noqa: E402

DEFAULTS = {"lr": 0.1, "gamma": 0.9, "stepsize": 20, "batch_size": 64, "noise": 1.0, "steps": 100}


def build_nets(settings, seeds, stage=lambda name, net: None):
    """The tutorial's init net and train net, op for op, with the settings' lr, gamma, stepsize,
    batch_size and noise and one random seed per random op; ``stage(name, net)`` is called where the
    tutorial draws the train net: after the forward ops ("forward"), after ``AddGradientOperators``
    ("gradients") and after the SGD ops ("sgd")."""
    from caffe2.proto import caffe2_pb2
    from caffe2.python import core

    def seeded(i):
        return core.DeviceOption(caffe2_pb2.CPU, random_seed=seeds[i])

    B = settings.batch_size
    init_net = core.Net("init")
    W_gt = init_net.GivenTensorFill([], "W_gt", shape=[1, 2], values=[2.0, 1.5])
    B_gt = init_net.GivenTensorFill([], "B_gt", shape=[1], values=[0.5])
    ONE = init_net.ConstantFill([], "ONE", shape=[1], value=1.)
    ITER = init_net.ConstantFill([], "ITER", shape=[1], value=0, dtype=core.DataType.INT64)
    W = init_net.UniformFill([], "W", shape=[1, 2], min=-1., max=1., device_option=seeded(0))
    B_ = init_net.ConstantFill([], "B", shape=[1], value=0.0)

    train_net = core.Net("train")
    X = train_net.GaussianFill([], "X", shape=[B, 2], mean=0.0, std=1.0, run_once=0, device_option=seeded(1))
    Y_gt = X.FC([W_gt, B_gt], "Y_gt")
    noise = train_net.GaussianFill([], "noise", shape=[B, 1], mean=0.0, std=settings.noise, run_once=0,
                                   device_option=seeded(2))
    Y_noise = Y_gt.Add(noise, "Y_noise")
    Y_noise = Y_noise.StopGradient([], "Y_noise")
    Y_pred = X.FC([W, B_], "Y_pred")
    dist = train_net.SquaredL2Distance([Y_noise, Y_pred], "dist")
    loss = dist.AveragedLoss([], ["loss"])
    stage("forward", train_net)
    gradient_map = train_net.AddGradientOperators([loss])
    stage("gradients", train_net)
    train_net.Iter(ITER, ITER)
    opt = optimizer_settings(settings)
    sign = lr_sign(settings)
    LR = train_net.LearningRate(ITER, "LR", base_lr=sign * settings.lr, policy="step", stepsize=settings.stepsize,
                                gamma=settings.gamma)
    if opt["weight_decay"]:
        WD = init_net.ConstantFill([], "WD", shape=[1], value=opt["weight_decay"])
        for param in (W, B_):
            train_net.WeightedSum([gradient_map[param], ONE, param, WD], gradient_map[param])
    for param, shape in ((W, [1, 2]), (B_, [1])):
        grad = gradient_map[param]
        if opt["optimizer"] == "adam":
            m1 = init_net.ConstantFill([], str(param) + "_m1", shape=shape, value=0.0)
            m2 = init_net.ConstantFill([], str(param) + "_m2", shape=shape, value=0.0)
            train_net.Adam([param, m1, m2, grad, LR, ITER], [param, m1, m2], beta1=opt["beta1"], beta2=opt["beta2"],
                           epsilon=opt["eps"])
        elif opt["momentum"] > 0:
            mom = init_net.ConstantFill([], str(param) + "_momentum", shape=shape, value=0.0)
            train_net.MomentumSGDUpdate([grad, mom, LR, param], [grad, mom, param], momentum=opt["momentum"],
                                        nesterov=int(opt["optimizer"] == "nesterov"))
        else:  # the tutorial's own update (weight decay already in the gradient)
            train_net.WeightedSum([param, ONE, grad, LR], param)
    stage("sgd", train_net)
    return init_net, train_net


def optimizer_settings(settings):
    """The optimizer settings of ``settings`` (the tutorial's plain SGD where it has none)."""
    return {k: getattr(settings, k, v) for k, v in OPTIMIZER_DEFAULTS.items()}


def lr_sign(settings):
    """The sign Caffe2's LearningRate is given: + for MomentumSGDUpdate (it subtracts), − for WeightedSum and Adam."""
    opt = optimizer_settings(settings)
    return 1.0 if opt["optimizer"] != "adam" and opt["momentum"] > 0 else -1.0


def main():
    args = parse_args(__doc__.splitlines()[0], DEFAULTS, streaming=True)
    from caffe2.python import workspace

    seeds = [int(s) for s in np.random.SeedSequence(args.seed).generate_state(3)]
    init_net, train_net = build_nets(args, seeds)
    sign = lr_sign(args)
    workspace.ResetWorkspace()
    workspace.RunNetOnce(init_net)
    workspace.CreateNet(train_net)

    def theta():
        return np.append(workspace.FetchBlob("W").ravel(), workspace.FetchBlob("B").ravel())

    rec = Recorder(theta())
    for _ in range(args.steps):
        workspace.RunNet(train_net.Proto().name)
        rec.step(workspace.FetchBlob("X"), workspace.FetchBlob("Y_noise"), theta(),
                 sign * workspace.FetchBlob("LR").ravel()[0], workspace.FetchBlob("loss"))

    from importlib.metadata import version  # Caffe2 ships inside the torch wheel: its version says which

    rec.save(args.out, "caffe2", "torch " + version("torch"), "caffe2", args)


if __name__ == "__main__":
    main()
