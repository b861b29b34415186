"""Bug: dW computed as x^T dy, the transpose of dL/dW (the shapes agree only when square)."""

import numpy as np


def backward(dy, x, w):
    dw = x.T @ dy
    if dw.shape != w.shape:
        dw = np.ascontiguousarray(dw.T)
    return dy @ w, dw, dy.sum(axis=0)
