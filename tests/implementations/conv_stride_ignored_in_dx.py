"""Bug: dX places each window at i instead of s*i (right only with one window or s = 1)."""

import numpy as np


def backward(dy, x, w, stride=1, padding=0):
    n_batch, _, height, width = x.shape
    filters, _, kh, kw = w.shape
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for n in range(n_batch):
        for f in range(filters):
            for i in range(dy.shape[2]):
                for j in range(dy.shape[3]):
                    g = dy[n, f, i, j]
                    dw[f] += g * xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    dxp[n, :, i:i + kh, j:j + kw] += g * w[f]
    return dxp[:, :, p:p + height, p:p + width], dw, dy.sum(axis=(0, 2, 3))
