"""Average pooling: each output is the mean of its window; the gradient is shared equally.

Forward, per channel (PyTorch ``avg_pool``; no dilation)::

    O[n, c, i] = (1 / q_i) * sum_j Xp[n, c, s*i + j]

with ``q_i = prod(k)`` when ``count_include_pad`` (the default) and otherwise the number of
input entries the window covers. The forward is linear, so the derivation and the proof are
polynomial (rational coefficients). Identity: dX is the full convolution of the
stride-dilated ``G / q`` with the all-ones kernel — every input position collects
``G_i / q_i`` from each window that covers it.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product
from math import prod

import numpy as np

from symconv.algebra import arithmetic
from symconv.algebra.symbols import SymbolArray
from symconv.algebra.verbs import box_sum, dilate, empty_polynomials, pad
from symconv.engine.contract import Identity, SymbolicForward
from symconv.layers.pool.spec import PoolSpec
from symconv.layers.pool.windows import window_entries


def divisor(spec: PoolSpec, covered: int) -> int:
    """``q``: the whole window, or only the ``covered`` input entries."""
    return prod(spec.window.kernel) if spec.count_include_pad else covered


def symbolic_forward(spec: PoolSpec) -> SymbolicForward:
    """``O_i = (1/q_i) sum of the entries window i reads``, the taps from the geometry."""
    x = SymbolArray("X", spec.input_shape, leading=2)
    g = SymbolArray("G", spec.output_shape, leading=2)
    output = empty_polynomials(spec.output_shape)
    for i in np.ndindex(*spec.window.output):
        reads = [u for _, u in spec.window.taps(i)]
        share = Fraction(1, divisor(spec, len(reads)))
        for n, c in product(range(spec.batch), range(spec.channels)):
            for u in reads:
                output[(n, c, *i)][(x[(n, c, *u)],)] = share
    return SymbolicForward(inputs={"X": x}, output=output, upstream=g)


def identities(spec: PoolSpec, forward: SymbolicForward) -> list[Identity]:
    """dX = ones * (G / q) dilated by s and padded by (K-1-p_lo, K-1-p_hi+r); ``q`` counted
    from the windows the verbs find."""
    w = spec.window
    covered = window_entries(spec, forward.inputs["X"].entries)
    scaled = np.empty(spec.output_shape, dtype=object)
    for index, g in np.ndenumerate(forward.upstream.entries):
        scaled[index] = {(g,): Fraction(1, divisor(spec, len(covered[index])))}
    padding = tuple(arithmetic.input_grad_padding(k, 1, lo, hi, r)
                    for k, (lo, hi), r in zip(w.kernel, w.padding, w.leftover))
    spread = pad(dilate(scaled, w.stride), padding)
    closed = np.empty(spec.input_shape, dtype=object)
    for n, c in product(range(spec.batch), range(spec.channels)):
        closed[n, c] = box_sum(spread[n, c], w.kernel)
    return [Identity("dX", "X", "dL/dX = full convolution of (G / window size) dilated by the "
                     "stride with the all-ones kernel: padded by (K-1-p_lo, K-1-p_hi+r)",
                     r"\frac{\partial L}{\partial X} = \mathbf{1}_k \ast "
                     r"\operatorname{dilate}_s(G / q)",
                     closed, parts={"G/q": scaled, "spread": spread})]
