"""Bug: every gradient divided by the batch size (as if the loss were averaged here)."""

import numpy as np


def backward(dy, x, w, stride=1, padding=0):
    n_batch, _, height, width = x.shape
    p = padding
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(dy.shape[2]):
        for j in range(dy.shape[3]):
            window = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            dw += np.einsum("nf,ncab->fcab", dy[:, :, i, j], window)
            dxp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += \
                np.einsum("nf,fcab->ncab", dy[:, :, i, j], w)
    dx = dxp[:, :, p:p + height, p:p + width]
    return dx / n_batch, dw / n_batch, dy.sum(axis=(0, 2, 3)) / n_batch
