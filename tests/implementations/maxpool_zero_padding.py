"""Bug: max pooling over x padded with zeros instead of -inf, so a window over the padding
whose entries are all negative picks the padding and its gradient is lost."""

import numpy as np


def backward(dy, x, kernel=2, stride=None, padding=0):
    stride = stride or kernel
    n, c, height, width = x.shape
    p, k, s = padding, kernel, stride
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))   # zeros: the bug
    dxp = np.zeros(xp.shape)
    for b in range(n):
        for ch in range(c):
            for i in range(dy.shape[2]):
                for j in range(dy.shape[3]):
                    window = xp[b, ch, i * s:i * s + k, j * s:j * s + k]
                    u, v = np.unravel_index(np.argmax(window), window.shape)
                    dxp[b, ch, i * s + u, j * s + v] += dy[b, ch, i, j]
    return dxp[:, :, p:p + height, p:p + width]
