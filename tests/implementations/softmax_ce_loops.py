"""Correct: softmax cross-entropy with class indices, one sample at a time with math.exp
(no max shift), averaged over the batch."""

import math

import numpy as np


def backward(z, y):
    batch, classes = z.shape
    dz = np.zeros(z.shape)
    for n in range(batch):
        exps = [math.exp(v) for v in z[n]]
        total = sum(exps)
        for c in range(classes):
            dz[n, c] = exps[c] / total - (1.0 if c == y[n] else 0.0)
    return dz / batch
