"""Correct: the textbook loops over every output position (2-d, symmetric padding)."""

import numpy as np


def backward(dy, x, w, stride=1, padding=0):
    n_batch, _, height, width = x.shape
    filters, _, kh, kw = w.shape
    _, _, out_h, out_w = dy.shape
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.zeros(filters)
    for n in range(n_batch):
        for f in range(filters):
            for i in range(out_h):
                for j in range(out_w):
                    g = dy[n, f, i, j]
                    top, left = i * stride, j * stride
                    dw[f] += g * xp[n, :, top:top + kh, left:left + kw]
                    dxp[n, :, top:top + kh, left:left + kw] += g * w[f]
                    db[f] += g
    return dxp[:, :, p:p + height, p:p + width], dw, db
