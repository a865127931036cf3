"""Independent reference loops for the optimizers, each written in its framework's own form (not the engine's).

One plain numpy step at a time, from the frameworks' documented ops and measured behaviour (issue 13):

* Caffe2: ``Iter`` then ``LearningRate`` (k from 1), 0.5·MSE, weight decay ``WeightedSum([dW, ONE, W, WD], dW)``,
  ``MomentumSGDUpdate`` (adjusted = lr·g + β·m; nesterov: m_new = β·m + lr·g, step (1+β)·m_new − β·m) and the
  ``Adam`` op with t = ITER + 1 and correction √(1−β₂ᵗ)/(1−β₁ᵗ), ε added to √v;
* MXNet: ``FactorScheduler`` (update k from 1 uses lr·γ^((k−1)//step)), MSE, ``sgd_mom_update``
  (mom = β·mom − lr·(g + λw), w += mom), ``nag_mom_update`` as its kernel runs in place (mom = β·mom;
  w = w − mom + (1+β)(mom − lr·(g + λw)); mom −= lr·(g + λ·w_new)), ``Adam`` (lr·√(1−β₂ᵗ)/(1−β₁ᵗ), ε on √v);
* PyTorch: ``StepLR`` (k from 0), MSE, ``torch.optim.SGD`` (buf = β·buf + g, the first buf = g; nesterov:
  g + β·buf) and ``torch.optim.Adam`` (denom = √v/√(1−β₂ᵗ) + ε, step lr/(1−β₁ᵗ)).

They do not import the engine.
"""

from __future__ import annotations

import math

import numpy as np


def _batches(X, y, sizes):
    start = 0
    for n in sizes:
        yield X[start:start + n], y[start:start + n]
        start += n


def _grad(xb, yb, theta, loss_scale):
    """The minibatch loss and its gradient [dw…, db] for loss = loss_scale · mean((x·w + b − y)²)."""
    r = xb @ theta[:-1] + theta[-1] - yb
    loss = loss_scale * np.mean(r * r)
    g = (2 * loss_scale / len(r)) * r
    return loss, np.append(xb.T @ g, g.sum())


def caffe2_optim(X, y, sizes, theta0, *, optimizer="sgd", lr=0.1, gamma=0.9, stepsize=20, momentum=0.0,
                 beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    theta = np.asarray(theta0, dtype=np.float64).copy()
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    it = 0
    thetas, lrs, losses = [theta.copy()], [], []
    for xb, yb in _batches(X, y, sizes):
        it += 1  # Iter
        LR = lr * gamma ** (it // stepsize)  # LearningRate (its sign: + for MomentumSGDUpdate, − for Adam)
        loss, g = _grad(xb, yb, theta, 0.5)
        g = g + weight_decay * theta  # WeightedSum([dW, ONE, W, WD], dW)
        if optimizer == "adam":
            t = it + 1  # the Adam op's t = ITER + 1
            correction = math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
            m1 = beta1 * m1 + (1 - beta1) * g
            m2 = beta2 * m2 + (1 - beta2) * g * g
            theta = theta + (-LR) * correction * m1 / (np.sqrt(m2) + eps)
        elif optimizer == "nesterov":
            m_new = momentum * m1 + LR * g
            theta = theta - ((1 + momentum) * m_new - momentum * m1)
            m1 = m_new
        elif momentum > 0:
            adjusted = LR * g + momentum * m1
            m1 = adjusted
            theta = theta - adjusted
        else:
            theta = theta + (-LR) * g  # WeightedSum([W, ONE, dW, LR], W), LR negative
        thetas.append(theta.copy())
        lrs.append(LR)
        losses.append(loss)
    return np.array(thetas), np.array(lrs), np.array(losses)


def mxnet_optim(X, y, sizes, theta0, *, optimizer="sgd", lr=1e-4, gamma=1.0, stepsize=2500, momentum=0.0,
                beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    w = np.asarray(theta0, dtype=np.float64).copy()
    mom, var = np.zeros_like(w), np.zeros_like(w)
    thetas, lrs, losses = [w.copy()], [], []
    for k, (xb, yb) in enumerate(_batches(X, y, sizes), start=1):
        rate = lr * gamma ** ((k - 1) // stepsize)  # FactorScheduler(num_update = k)
        loss, g = _grad(xb, yb, w, 1.0)
        lam = weight_decay
        if optimizer == "adam":
            step = rate * math.sqrt(1 - beta2 ** k) / (1 - beta1 ** k)
            gg = g + lam * w
            mom = beta1 * mom + (1 - beta1) * gg
            var = beta2 * var + (1 - beta2) * gg * gg
            w = w - step * mom / (np.sqrt(var) + eps)
        elif optimizer == "nesterov":  # nag_mom_update's kernel, out = weight (in place)
            mom = momentum * mom
            w = w - mom + (1 + momentum) * (mom - rate * (g + lam * w))
            mom = mom - rate * (g + lam * w)  # reads the weight just written
        elif momentum > 0:  # sgd_mom_update
            mom = momentum * mom - rate * (g + lam * w)
            w = w + mom
        else:  # sgd_update
            w = w - rate * (g + lam * w)
        thetas.append(w.copy())
        lrs.append(rate)
        losses.append(loss)
    return np.array(thetas), np.array(lrs), np.array(losses)


def pytorch_optim(X, y, sizes, theta0, *, optimizer="sgd", lr=0.01, gamma=1.0, stepsize=7, momentum=0.0,
                  beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    p = np.asarray(theta0, dtype=np.float64).copy()
    buf = None
    exp_avg, exp_avg_sq = np.zeros_like(p), np.zeros_like(p)
    thetas, lrs, losses = [p.copy()], [], []
    for k, (xb, yb) in enumerate(_batches(X, y, sizes)):
        rate = lr * gamma ** (k // stepsize)  # StepLR, stepped after every optimizer step
        loss, g = _grad(xb, yb, p, 1.0)
        g = g + weight_decay * p
        if optimizer == "adam":
            step = k + 1
            exp_avg = exp_avg + (1 - beta1) * (g - exp_avg)  # lerp
            exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g
            denom = np.sqrt(exp_avg_sq) / math.sqrt(1 - beta2 ** step) + eps
            p = p - (rate / (1 - beta1 ** step)) * exp_avg / denom
        else:
            if momentum > 0:
                buf = g.copy() if buf is None else momentum * buf + g
                g = g + momentum * buf if optimizer == "nesterov" else buf
            p = p - rate * g
        thetas.append(p.copy())
        lrs.append(rate)
        losses.append(loss)
    return np.array(thetas), np.array(lrs), np.array(losses)


REFERENCES = {"caffe2": caffe2_optim, "mxnet": mxnet_optim, "pytorch": pytorch_optim}
