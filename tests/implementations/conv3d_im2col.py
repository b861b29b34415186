"""Correct: 3-d convolution backward through im2col — the columns matrix of every window,
dW = dy^T cols, and col2im adding the column gradients back into the padded input."""

import numpy as np


def _columns(xp, kernel, out, stride):
    n, c = xp.shape[:2]
    kd, kh, kw = kernel
    od, oh, ow = out
    cols = np.zeros((n, od, oh, ow, c, kd, kh, kw))
    for i in range(od):
        for j in range(oh):
            for m in range(ow):
                a, b, e = i * stride, j * stride, m * stride
                cols[:, i, j, m] = xp[:, :, a:a + kd, b:b + kh, e:e + kw]
    return cols.reshape(n * od * oh * ow, -1)


def backward(dy, x, w, stride=1, padding=0):
    n, c, depth, height, width = x.shape
    f = w.shape[0]
    kernel = w.shape[2:]
    out = dy.shape[2:]
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p), (p, p)))
    cols = _columns(xp, kernel, out, stride)
    g = dy.transpose(0, 2, 3, 4, 1).reshape(-1, f)          # rows ordered like cols
    dw = (g.T @ cols).reshape(w.shape)
    dcols = (g @ w.reshape(f, -1)).reshape(n, *out, c, *kernel)
    dxp = np.zeros(xp.shape)
    kd, kh, kw = kernel
    for i in range(out[0]):
        for j in range(out[1]):
            for m in range(out[2]):
                a, b, e = i * stride, j * stride, m * stride
                dxp[:, :, a:a + kd, b:b + kh, e:e + kw] += dcols[:, i, j, m]
    dx = dxp[:, :, p:p + depth, p:p + height, p:p + width]
    return dx, dw, dy.sum(axis=(0, 2, 3, 4))
