"""Correct: 3-d max pooling; the gradient of each window goes to its (first) maximum."""

import numpy as np


def backward(dy, x, kernel=2, stride=None, padding=0):
    stride = stride or kernel
    k, s, p = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p), (p, p)), constant_values=-np.inf)
    dxp = np.zeros(xp.shape)
    n, c, od, oh, ow = dy.shape
    for b in range(n):
        for ch in range(c):
            for i in range(od):
                for j in range(oh):
                    for m in range(ow):
                        cube = xp[b, ch, i * s:i * s + k, j * s:j * s + k, m * s:m * s + k]
                        a, e, f = np.unravel_index(np.argmax(cube), cube.shape)
                        dxp[b, ch, i * s + a, j * s + e, m * s + f] += dy[b, ch, i, j, m]
    depth, height, width = x.shape[2:]
    return dxp[:, :, p:p + depth, p:p + height, p:p + width]
