"""Bug: dW uses the forward's padding, but dX maps output i and tap j to input
i*stride + j - k//2, the offset of "same" padding, whatever padding the forward used."""

import numpy as np


def backward(dy, x, w, stride=1, padding=0):
    n, c, length = x.shape
    f, _, k = w.shape
    out = dy.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    dw = np.zeros(w.shape)
    for j in range(k):
        taps = xp[:, :, j:j + stride * (out - 1) + 1:stride]
        dw[:, :, j] = np.einsum("nfi,nci->fc", dy, taps)
    dx = np.zeros(x.shape)
    half = k // 2
    for i in range(out):
        for j in range(k):
            u = i * stride + j - half
            if 0 <= u < length:
                dx[:, :, u] += dy[:, :, i] @ w[:, :, j]
    return dx, dw, dy.sum(axis=(0, 2))
