"""Bug: dW accumulates into a buffer kept between calls (right on the first call only)."""

import numpy as np

_dw = {}


def backward(dy, x, w, stride=1, padding=0):
    p = padding
    kh, kw = w.shape[2:]
    height, width = x.shape[2:]
    buffer = _dw.setdefault(w.shape, np.zeros(w.shape))
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros(xp.shape)
    for i in range(dy.shape[2]):
        for j in range(dy.shape[3]):
            top, left = i * stride, j * stride
            buffer += np.einsum("nf,ncab->fcab", dy[:, :, i, j], xp[:, :, top:top + kh,
                                                                    left:left + kw])
            dxp[:, :, top:top + kh, left:left + kw] += np.einsum("nf,fcab->ncab",
                                                                 dy[:, :, i, j], w)
    return dxp[:, :, p:p + height, p:p + width], buffer.copy(), dy.sum(axis=(0, 2, 3))
