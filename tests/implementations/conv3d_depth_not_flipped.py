"""Bug: dX as a full convolution of the stride-dilated dy with the rotated kernel, but the
kernel is flipped on height and width only — the depth axis keeps its order."""

import numpy as np


def backward(dy, x, w, stride=1, padding=0):
    n, c = x.shape[:2]
    f = w.shape[0]
    kernel = w.shape[2:]
    out = dy.shape[2:]
    p, s = padding, stride
    rest = [(size + 2 * p - k) % s for size, k in zip(x.shape[2:], kernel)]
    spread = np.zeros((n, f, *((o - 1) * s + 1 for o in out)))
    spread[:, :, ::s, ::s, ::s] = dy
    gq = np.pad(spread, ((0, 0), (0, 0), *((k - 1 - p, k - 1 - p + r)
                                            for k, r in zip(kernel, rest))))
    flipped = w[:, :, :, ::-1, ::-1]
    dx = np.zeros(x.shape)
    depth, height, width = x.shape[2:]
    for a in range(kernel[0]):
        for b in range(kernel[1]):
            for e in range(kernel[2]):
                window = gq[:, :, a:a + depth, b:b + height, e:e + width]
                dx += np.einsum("nfdhw,fc->ncdhw", window, flipped[:, :, a, b, e])
    xp = np.pad(x, ((0, 0), (0, 0), (p, p - rest[0]), (p, p - rest[1]), (p, p - rest[2])))
    dw = np.zeros(w.shape)
    sd, sh, sw = spread.shape[2:]
    for a in range(kernel[0]):
        for b in range(kernel[1]):
            for e in range(kernel[2]):
                dw[:, :, a, b, e] = np.einsum("nfdhw,ncdhw->fc", spread,
                                              xp[:, :, a:a + sd, b:b + sh, e:e + sw])
    return dx, dw, dy.sum(axis=(0, 2, 3, 4))
