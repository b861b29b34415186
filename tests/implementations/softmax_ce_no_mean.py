"""Bug: forgets the 1/N of the batch mean."""

import numpy as np


def backward(z, y):
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    return p
