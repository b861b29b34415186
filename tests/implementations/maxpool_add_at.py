"""Correct: max pooling, every window adds its gradient at its arg-max (np.add.at)."""

import numpy as np


def backward(dy, x, kernel=2, stride=None, padding=0):
    stride = stride or kernel
    n, c, height, width = x.shape
    p, k, s = padding, kernel, stride
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf)
    dxp = np.zeros(xp.shape)
    nn, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(dy.shape[2]):
        for j in range(dy.shape[3]):
            window = xp[:, :, i * s:i * s + k, j * s:j * s + k].reshape(n, c, -1)
            a, b = np.unravel_index(window.argmax(axis=2), (k, k))
            np.add.at(dxp, (nn, cc, i * s + a, j * s + b), dy[:, :, i, j])
    return dxp[:, :, p:p + height, p:p + width]
