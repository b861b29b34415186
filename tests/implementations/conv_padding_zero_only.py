"""Bug: dX is cropped from the padded gradient at the start instead of at p (right only
for padding 0)."""

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
                    top, left = i * stride, j * stride
                    dw[f] += dy[n, f, i, j] * xp[n, :, top:top + kh, left:left + kw]
                    dxp[n, :, top:top + kh, left:left + kw] += dy[n, f, i, j] * w[f]
    return dxp[:, :, :height, :width], dw, dy.sum(axis=(0, 2, 3))
