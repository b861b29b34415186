"""Correct: softmax cross-entropy with class indices, mean over the batch."""

import numpy as np


def backward(z, y):
    shifted = z - z.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    return p / len(y)
