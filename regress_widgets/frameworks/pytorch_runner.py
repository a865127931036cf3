"""PyTorch "Getting started 1 – Linear regression" (F. K. Gustafsson, 2019), run by PyTorch.

Run by the pytorch environment's interpreter, e.g. ``python pytorch_runner.py --out rec.npz``.
The code is the tutorial's: its ``LinearRegressionDataset`` (numpy draws, cast to float32), its
``LinearRegressionModel`` with parameters k and m, ``DataLoader(batch_size, shuffle=True,
num_workers=1)``, ``torch.mean(torch.pow(y - y_hat, 2))`` and ``torch.optim.SGD``. Differences:
it runs on the CPU (no ``.cuda()``), draws no plots, seeds numpy (the dataset) and torch (the
shuffling), takes the label noise std (the tutorial's 0.5) as a setting, and steps a
``StepLR(step_size=stepsize, gamma=gamma)`` after every optimizer step, so step k (from 0) uses
lr·gamma^(k // stepsize); with the tutorial's gamma = 1 it is the constant 0.01. ``--optimizer``,
``--momentum``, ``--weight-decay`` (and Adam's ``--beta1 --beta2 --eps``) choose PyTorch's own
``torch.optim.SGD(momentum, nesterov, weight_decay)`` or ``torch.optim.Adam``.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from _runner_common import Recorder, parse_args  # noqa: E402

DEFAULTS = {"lr": 0.01, "gamma": 1.0, "stepsize": 7, "batch_size": 8, "noise": 0.5, "epochs": 25}


def main():
    args = parse_args(__doc__.splitlines()[0], DEFAULTS, streaming=False)
    import torch
    import torch.nn as nn
    import torch.utils.data

    np.random.seed(args.seed)  # noqa: NPY002 -- the tutorial's dataset draws from numpy's global RNG
    torch.manual_seed(args.seed)

    class LinearRegressionDataset(torch.utils.data.Dataset):
        def __init__(self, k, m, N):
            self.X = np.random.uniform(low=-3.0, high=3.0, size=(N, ))  # noqa: NPY002 (shape: (N, ))
            epsilon = np.random.normal(loc=0.0, scale=args.noise, size=(N, ))  # noqa: NPY002 (shape: (N, ))
            self.Y = k*self.X + m + epsilon  # (shape: (N, ))
            self.num_examples = N
            self.X = self.X.astype(np.float32)
            self.Y = self.Y.astype(np.float32)

        def __getitem__(self, index):
            x = self.X[index]
            y = self.Y[index]
            return (x, y)

        def __len__(self):
            return self.num_examples

    class LinearRegressionModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.k = nn.Parameter(torch.zeros(1))  # (shape: (1))
            self.m = nn.Parameter(torch.zeros(1))  # (shape: (1))

        def forward(self, x):
            # (x has shape: (batch_size))
            y_hat = self.k*x + self.m  # (shape: (batch_size))
            return y_hat

    learning_rate = args.lr
    batch_size = args.batch_size
    k = 3
    m = 5
    N = 50
    train_dataset = LinearRegressionDataset(k=k, m=m, N=N)
    train_loader = torch.utils.data.DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True,
                                               num_workers=1)
    model = LinearRegressionModel()
    model.train()
    if args.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, betas=(args.beta1, args.beta2),
                                     eps=args.eps, weight_decay=args.weight_decay)
    else:  # the tutorial's torch.optim.SGD(lr) when momentum and weight decay are 0
        optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=args.momentum,
                                    nesterov=args.optimizer == "nesterov", weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=args.stepsize, gamma=args.gamma)

    def theta():
        return np.array([model.k.item(), model.m.item()], dtype=np.float32)

    rec = Recorder(theta())
    steps = args.steps if args.steps is not None else args.epochs * -(-N // batch_size)
    done = 0
    while done < steps:
        for x, y in train_loader:
            y_hat = model(x)  # (shape: (batch_size))
            loss = torch.mean(torch.pow(y - y_hat, 2))
            lr_used = optimizer.param_groups[0]["lr"]
            optimizer.zero_grad()  # (reset gradients)
            loss.backward()  # (compute gradients)
            optimizer.step()  # (perform the SGD update of the model parameters)
            scheduler.step()
            done += 1
            rec.step(x.numpy()[:, None], y.numpy(), theta(), lr_used, loss.detach().numpy())
            if done == steps:
                break

    rec.save(args.out, "pytorch", torch.__version__, "pytorch", args)


if __name__ == "__main__":
    main()
