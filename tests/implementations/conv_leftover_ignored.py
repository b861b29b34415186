"""Bug: the input size is assumed to be (out - 1) * s + k - 2p (r = 0): dX comes out r
short (a transposed convolution that drops the leftover rows)."""

import numpy as np


def backward(dy, x, w, stride=1, padding=0):
    n, c = x.shape[:2]
    f, _, kh, kw = w.shape
    out_h, out_w = dy.shape[2:]
    p, s = padding, stride
    full = np.zeros((n, c, (out_h - 1) * s + kh, (out_w - 1) * s + kw))
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dw = np.zeros(w.shape)
    for i in range(out_h):
        for j in range(out_w):
            full[:, :, i * s:i * s + kh, j * s:j * s + kw] += np.einsum("nf,fcab->ncab",
                                                                        dy[:, :, i, j], w)
            dw += np.einsum("nf,ncab->fcab", dy[:, :, i, j],
                            xp[:, :, i * s:i * s + kh, j * s:j * s + kw])
    return full[:, :, p:full.shape[2] - p, p:full.shape[3] - p], dw, dy.sum(axis=(0, 2, 3))
