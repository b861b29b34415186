"""Bug: dX as a full correlation of the stride-dilated dy with w itself (not rot180(w))."""

import numpy as np


def backward(dy, x, w, stride=1, padding=0):
    n, c, height, width = x.shape
    f, _, kh, kw = w.shape
    out_h, out_w = dy.shape[2:]
    p, s = padding, stride
    dilated = np.zeros((n, f, (out_h - 1) * s + 1, (out_w - 1) * s + 1))
    dilated[:, :, ::s, ::s] = dy
    r_h = height + 2 * p - kh - (out_h - 1) * s
    r_w = width + 2 * p - kw - (out_w - 1) * s
    gq = np.pad(dilated, ((0, 0), (0, 0), (kh - 1, kh - 1 + r_h), (kw - 1, kw - 1 + r_w)))
    dxp = np.zeros((n, c, height + 2 * p, width + 2 * p))
    for u in range(height + 2 * p):
        for v in range(width + 2 * p):
            dxp[:, :, u, v] = np.einsum("nfab,fcab->nc", gq[:, :, u:u + kh, v:v + kw], w)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dw = np.zeros(w.shape)
    for a in range(kh):
        for b in range(kw):
            dw[:, :, a, b] = np.einsum("nfij,ncij->fc", dy,
                                       xp[:, :, a:a + s * out_h:s, b:b + s * out_w:s])
    return dxp[:, :, p:p + height, p:p + width], dw, dy.sum(axis=(0, 2, 3))
