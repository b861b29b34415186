"""Correct: 1-d convolution backward with plain loops; every output position sends its
gradient back over the input window it read."""

import numpy as np


def backward(dy, x, w, stride=1, padding=0):
    n, c, length = x.shape
    f, _, k = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    dxp = np.zeros(xp.shape)
    dw = np.zeros(w.shape)
    for b in range(n):
        for o in range(f):
            for i in range(dy.shape[2]):
                start = i * stride
                g = dy[b, o, i]
                dw[o] += g * xp[b, :, start:start + k]
                dxp[b, :, start:start + k] += g * w[o]
    dx = dxp[:, :, padding:padding + length]
    return dx, dw, dy.sum(axis=(0, 2))
