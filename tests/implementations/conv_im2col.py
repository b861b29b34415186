"""Correct: im2col with float buffers (cannot run on symbolic arrays: probed instead)."""

import numpy as np


def _columns(xp, kh, kw, stride, out_h, out_w):
    n, c = xp.shape[:2]
    cols = np.empty((n, c, kh, kw, out_h, out_w), dtype=np.float64)
    for a in range(kh):
        for b in range(kw):
            cols[:, :, a, b] = xp[:, :, a:a + stride * out_h:stride, b:b + stride * out_w:stride]
    return cols.reshape(n, c * kh * kw, out_h * out_w)


def backward(dy, x, w, stride=1, padding=0):
    x = x.astype(np.float64)
    n, c, height, width = x.shape
    f, _, kh, kw = w.shape
    out_h, out_w = dy.shape[2:]
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    cols = _columns(xp, kh, kw, stride, out_h, out_w)
    rows = dy.reshape(n, f, -1).astype(np.float64)
    dw = np.einsum("nfk,nck->fc", rows, cols).reshape(w.shape)
    dcols = np.einsum("fc,nfk->nck", w.reshape(f, -1), rows).reshape(n, c, kh, kw, out_h, out_w)
    dxp = np.zeros(xp.shape, dtype=np.float64)
    for a in range(kh):
        for b in range(kw):
            dxp[:, :, a:a + stride * out_h:stride, b:b + stride * out_w:stride] += dcols[:, :, a, b]
    return dxp[:, :, p:p + height, p:p + width], dw, rows.sum(axis=(0, 2))
