"""Bug: uses the log-softmax (what the loss is computed from) where the softmax belongs."""

import numpy as np


def backward(z, y):
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_p[np.arange(len(y)), y] -= 1.0
    return log_p / len(y)
