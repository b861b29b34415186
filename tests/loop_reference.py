"""An independent, slow reference written from the definition: plain loops, no im2col.

    O[n, o, i] = b[o] + sum_{c', j} w[o, c', j] * x[n, g(o) C_in/g + c', s*i + d*j - p_lo]

(reads outside the input are padding zeros). The backward loops visit the same products and
send dO back to each factor — the scatter ("spray") form of the chain rule.
"""

from __future__ import annotations

import numpy as np


def _reads(spatial, out_size, kernel, stride, padding, dilation):
    """(i, j, u) for every output position i and tap j whose input position u is inside."""
    for i in np.ndindex(*out_size):
        for j in np.ndindex(*kernel):
            u = tuple(s * a + d * b - lo for a, b, s, d, (lo, _) in
                      zip(i, j, stride, dilation, padding))
            if all(0 <= v < n for v, n in zip(u, spatial)):
                yield i, j, u


def output_size(spatial, kernel, stride, padding, dilation):
    return tuple((n + lo + hi - d * (k - 1) - 1) // s + 1
                 for n, k, s, d, (lo, hi) in zip(spatial, kernel, stride, dilation, padding))


def conv_forward(x, w, b, stride, padding, dilation, groups):
    batch, channels, *spatial = x.shape
    out_channels, per_group, *kernel = w.shape
    out_size = output_size(spatial, kernel, stride, padding, dilation)
    out = np.zeros((batch, out_channels, *out_size), dtype=x.dtype)
    reads = list(_reads(spatial, out_size, kernel, stride, padding, dilation))
    for n in range(batch):
        for o in range(out_channels):
            first = (o // (out_channels // groups)) * per_group
            for i, j, u in reads:
                for c in range(per_group):
                    out[(n, o, *i)] += w[(o, c, *j)] * x[(n, first + c, *u)]
            if b is not None:
                out[n, o] += b[o]
    return out


def conv_backward(dy, x, w, stride, padding, dilation, groups):
    batch, channels, *spatial = x.shape
    out_channels, per_group, *kernel = w.shape
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    db = np.zeros(out_channels, dtype=x.dtype)
    reads = list(_reads(spatial, dy.shape[2:], kernel, stride, padding, dilation))
    for n in range(batch):
        for o in range(out_channels):
            first = (o // (out_channels // groups)) * per_group
            for i, j, u in reads:
                g = dy[(n, o, *i)]
                for c in range(per_group):
                    dx[(n, first + c, *u)] += g * w[(o, c, *j)]
                    dw[(o, c, *j)] += g * x[(n, first + c, *u)]
            db[o] += dy[n, o].sum()
    return dx, dw, db


def pool_reads(spatial, kernel, stride, padding, dilation):
    """For every output position: the input positions its window covers, in scan order."""
    out_size = output_size(spatial, kernel, stride, padding, dilation)
    windows = {}
    for i in np.ndindex(*out_size):
        windows[i] = [tuple(s * a + d * b - lo for a, b, s, d, (lo, _) in
                            zip(i, j, stride, dilation, padding))
                      for j in np.ndindex(*kernel)]
    return out_size, windows


def maxpool_backward(dy, x, kernel, stride, padding, dilation):
    """Each window's gradient to its first largest entry (padding never wins)."""
    dx = np.zeros_like(x)
    _, windows = pool_reads(x.shape[2:], kernel, stride, padding, dilation)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i, positions in windows.items():
                inside = [u for u in positions if all(0 <= v < m for v, m in
                                                      zip(u, x.shape[2:]))]
                best = inside[0]
                for u in inside[1:]:
                    if x[(n, c, *u)] > x[(n, c, *best)]:
                        best = u
                dx[(n, c, *best)] += dy[(n, c, *i)]
    return dx


def avgpool_backward(dy, x, kernel, stride, padding, count_include_pad):
    """Each window's gradient shared equally by its entries."""
    dx = np.zeros_like(x)
    _, windows = pool_reads(x.shape[2:], kernel, stride, padding, (1,) * len(kernel))
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i, positions in windows.items():
                inside = [u for u in positions if all(0 <= v < m for v, m in
                                                      zip(u, x.shape[2:]))]
                q = len(positions) if count_include_pad else len(inside)
                for u in inside:
                    dx[(n, c, *u)] += dy[(n, c, *i)] / q
    return dx


def softmax_ce_loss(z, y):
    """Mean cross-entropy, computed naively row by row (y: probabilities)."""
    total = 0.0
    for row, target in zip(z, y):
        exps = [np.exp(v - max(row)) for v in row]
        total -= sum(t * np.log(e / sum(exps)) for t, e in zip(target, exps))
    return total / len(z)
