"""The closed forms of the convolution backward pass, built from the verbs only.

With ``Gs`` = G dilated by the stride (DESIGN §2):

* dW = valid correlation of ``X_q`` (X padded by ``(p_lo, p_hi - r)``) with ``Gs``, read at
  step ``d``: ``dW[j] = sum_t Gs[t] X_q[t + d j]``;
* dX = full convolution of ``Gs`` with ``W``: ``G_q`` (``Gs`` padded by
  ``(K-1-p_lo, K-1-p_hi+r)``) correlated with ``rot180(W)`` dilated by ``d``;
* db = the sum of ``G`` over batch and positions.

Nothing here reads the window geometry (:mod:`symconv.algebra.geometry`): a mistake there
makes the derived side differ from these closed forms.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from symconv.algebra import arithmetic
from symconv.algebra.verbs import (
    correlate,
    correlation_length,
    dilate,
    empty_polynomials,
    pad,
    rot180,
)
from symconv.engine.contract import Identity, SymbolicForward
from symconv.layers.conv.spec import ConvSpec


def weight_gradient(spec: ConvSpec, x_quad: np.ndarray, g_dilated: np.ndarray) -> np.ndarray:
    """``dW[o, c'] = sum_n corr(X_q[n, g(o) C_in/g + c'], Gs[n, o])`` read at step d."""
    unit = (1,) * spec.window.rank
    taps = tuple(correlation_length(a, b, 1, d) for a, b, d in
                 zip(x_quad.shape[2:], g_dilated.shape[2:], spec.window.dilation))
    result = empty_polynomials(spec.weight_shape[:2] + taps)
    for o, c_in_group in product(range(spec.out_channels), range(spec.group_in)):
        c = spec.input_channel(o, c_in_group)
        for n in range(spec.batch):
            correlate(x_quad[n, c], g_dilated[n, o], dilation=unit,
                      step=spec.window.dilation, out=result[o, c_in_group])
    return result


def input_gradient(spec: ConvSpec, g_quad: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``dX[n, c] = sum_{o in group(c)} corr(G_q[n, o], kernel[o, c'])``, kernel dilated by d.

    With ``kernel = rot180(W)`` this is the full convolution ``Gs * W``.
    """
    unit = (1,) * spec.window.rank
    positions = tuple(correlation_length(a, k, d, 1) for a, k, d in
                      zip(g_quad.shape[2:], kernel.shape[2:], spec.window.dilation))
    result = empty_polynomials(spec.input_shape[:2] + positions)
    for n, c in product(range(spec.batch), range(spec.in_channels)):
        group, c_in_group = divmod(c, spec.group_in)
        for o in range(group * spec.group_out, (group + 1) * spec.group_out):
            correlate(g_quad[n, o], kernel[o, c_in_group], dilation=spec.window.dilation,
                      step=unit, out=result[n, c])
    return result


def bias_gradient(spec: ConvSpec, g: np.ndarray) -> np.ndarray:
    """``db[o] = sum_{n, i} G[n, o, i]``."""
    result = empty_polynomials((spec.out_channels,))
    for n, o in product(range(spec.batch), range(spec.out_channels)):
        for value in g[n, o].flat:
            result[o][(value,)] = 1
    return result


def identities(spec: ConvSpec, forward: SymbolicForward) -> list[Identity]:
    """dW, dX and db with the arrays they were built from (``X_q``, ``G_s``, ``G_q``,
    ``rot180(W)``), so documents print exactly what was proven."""
    w = spec.window
    g = forward.upstream.entries
    g_dilated = dilate(g, w.stride)
    x_quad = pad(forward.inputs["X"].entries,
                 tuple(arithmetic.weight_grad_padding(lo, hi, r)
                       for (lo, hi), r in zip(w.padding, w.leftover)))
    g_quad = pad(g_dilated, tuple(arithmetic.input_grad_padding(k, d, lo, hi, r)
                                  for k, d, (lo, hi), r in zip(w.kernel, w.dilation, w.padding,
                                                               w.leftover)))
    kernel = rot180(forward.inputs["W"].entries, w.rank)
    return [
        Identity("dW", "W",
                 "dL/dW = valid cross-correlation of X padded by (p_lo, p_hi - r) with G "
                 "dilated by the stride, read at step d",
                 r"\frac{\partial L}{\partial W}[j] = \sum_t G_s[t]\, X_q[t + d\,j]",
                 weight_gradient(spec, x_quad, g_dilated),
                 parts={"X_q": x_quad, "G_s": g_dilated}),
        Identity("dX", "X",
                 "dL/dX = full convolution of G dilated by the stride with W: padded by "
                 "(K-1-p_lo, K-1-p_hi+r), correlated with rot180(W) dilated by d",
                 r"\frac{\partial L}{\partial X}[u] = \sum_j G_q[u + d\,j]\, "
                 r"\operatorname{rot180}(W)[j]",
                 input_gradient(spec, g_quad, kernel),
                 parts={"G_s": g_dilated, "G_q": g_quad, "rot180(W)": kernel}),
        Identity("db", "b", "dL/db = sum of G over batch and positions",
                 r"\frac{\partial L}{\partial b}[o] = \sum_{n,i} G[n, o, i]",
                 bias_gradient(spec, g)),
    ]
