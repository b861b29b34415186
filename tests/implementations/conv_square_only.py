"""Bug: both spatial loops run over the output height (right only for square outputs)."""

import numpy as np


def backward(dy, x, w, stride=1, padding=0):
    height, width = x.shape[2:]
    kh, kw = w.shape[2:]
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    size = dy.shape[2]
    for i in range(size):
        for j in range(min(size, dy.shape[3])):
            top, left = i * stride, j * stride
            dw += np.einsum("nf,ncab->fcab", dy[:, :, i, j], xp[:, :, top:top + kh,
                                                                left:left + kw])
            dxp[:, :, top:top + kh, left:left + kw] += np.einsum("nf,fcab->ncab",
                                                                 dy[:, :, i, j], w)
    return dxp[:, :, p:p + height, p:p + width], dw, dy.sum(axis=(0, 2, 3))
