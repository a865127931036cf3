"""MXNet's "Linear regression from scratch" (The Straight Dope, chapter 2), run by MXNet 1.9.1.

Run by the mxnet environment's interpreter, e.g. ``python mxnet_runner.py --out rec.npz --seed 0``.
The code is the tutorial's: ``nd.random_normal`` data and parameters, ``autograd``,
``gluon.data.DataLoader(ArrayDataset(X, y), batch_size, shuffle=True)``, ``square_loss`` and the
hand-written ``SGD(params, lr)``. Additions, all for the sliders: the label noise std (the
tutorial's 0.1), a seed for both RNGs MXNet uses here (``mx.random`` for data and parameters,
numpy's for the DataLoader's shuffling), and a learning-rate schedule from MXNet's own
``lr_scheduler.FactorScheduler(step=stepsize, factor=gamma, base_lr=lr)``, asked for the lr of
update ``num_update`` = 1, 2, … as ``mx.optimizer`` does — so update k (from 1) uses
lr·gamma^((k − 1) // stepsize); with the tutorial's gamma = 1 it is the constant 1e-4.
``stop_factor_lr=0`` lifts the scheduler's default floor of 1e-8, which is no part of step decay.
With momentum, weight decay or another ``--optimizer`` the update is MXNet's own ``mx.optimizer.SGD``,
``NAG`` or ``Adam`` (``wd`` on every parameter, the scheduler as its ``lr_scheduler``), applied through
``mx.optimizer.get_updater`` to w and b after each backward pass.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from _runner_common import Recorder, parse_args, plain_sgd  # noqa: E402

DEFAULTS = {"lr": 1e-4, "gamma": 1.0, "stepsize": 2500, "batch_size": 4, "noise": 0.1, "epochs": 10}


def main():
    args = parse_args(__doc__.splitlines()[0], DEFAULTS, streaming=False)
    import mxnet as mx
    from mxnet import autograd, gluon, nd

    mx.random.seed(args.seed)
    np.random.seed(args.seed)  # noqa: NPY002 -- gluon's RandomSampler shuffles with numpy's global RNG
    data_ctx = mx.cpu()
    model_ctx = mx.cpu()

    num_inputs = 2
    num_outputs = 1
    num_examples = 10000

    def real_fn(X):
        return 2 * X[:, 0] - 3.4 * X[:, 1] + 4.2

    X = nd.random_normal(shape=(num_examples, num_inputs), ctx=data_ctx)
    noise = args.noise * nd.random_normal(shape=(num_examples,), ctx=data_ctx)
    y = real_fn(X) + noise

    batch_size = args.batch_size
    train_data = gluon.data.DataLoader(gluon.data.ArrayDataset(X, y), batch_size=batch_size, shuffle=True)

    w = nd.random_normal(shape=(num_inputs, num_outputs), ctx=model_ctx)
    b = nd.random_normal(shape=num_outputs, ctx=model_ctx)
    params = [w, b]
    for param in params:
        param.attach_grad()

    def net(X):
        return mx.nd.dot(X, w) + b

    def square_loss(yhat, y):
        return nd.mean((yhat - y) ** 2)

    def SGD(params, lr):
        for param in params:
            param[:] = param - lr * param.grad

    schedule = mx.lr_scheduler.FactorScheduler(step=args.stepsize, factor=args.gamma, base_lr=args.lr,
                                               stop_factor_lr=0.0)

    def theta():
        return np.append(w.asnumpy().ravel(), b.asnumpy())

    updater = None
    if not plain_sgd(args):
        if args.optimizer == "adam":
            opt = mx.optimizer.Adam(learning_rate=args.lr, beta1=args.beta1, beta2=args.beta2, epsilon=args.eps,
                                    wd=args.weight_decay, lr_scheduler=schedule)
        else:
            make = mx.optimizer.NAG if args.optimizer == "nesterov" else mx.optimizer.SGD
            opt = make(learning_rate=args.lr, momentum=args.momentum, wd=args.weight_decay, lr_scheduler=schedule)
        updater = mx.optimizer.get_updater(opt)

    rec = Recorder(theta())
    steps = args.steps if args.steps is not None else args.epochs * -(-num_examples // batch_size)
    num_update = 0
    while num_update < steps:
        for data, label in train_data:
            data = data.as_in_context(model_ctx)
            label = label.as_in_context(model_ctx).reshape((-1, 1))
            with autograd.record():
                output = net(data)
                loss = square_loss(output, label)
            loss.backward()
            num_update += 1
            learning_rate = schedule(num_update)
            if updater is None:
                SGD(params, learning_rate)
            else:  # the optimizer counts its own updates and asks the same scheduler for update num_update
                for index, param in enumerate(params):
                    updater(index, param.grad, param)
            rec.step(data.asnumpy(), label.asnumpy(), theta(), learning_rate, loss.asnumpy())
            if num_update == steps:
                break

    rec.save(args.out, "mxnet", mx.__version__, "mxnet", args)


if __name__ == "__main__":
    main()
