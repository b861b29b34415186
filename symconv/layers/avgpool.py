"""Average pooling: each output is the mean of its window; the gradient is shared equally.

Forward, per channel (PyTorch ``avg_pool``; no dilation)::

    O[n, c, i] = (1 / size_i) * sum_j Xp[n, c, s*i + j]

with ``size_i = prod(k)`` when ``count_include_pad`` (the default) and otherwise the number
of input entries the window covers. The forward is linear, so the derivation and the proof
are polynomial (rational coefficients). Identity: dX is the full convolution of the
stride-dilated ``G / size`` with the all-ones kernel — every input position collects
``G_i / size_i`` from each window that covers it.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np

from symconv.algebra import arithmetic
from symconv.layers.pooling import document, module_source, proof_spec  # noqa: F401
from symconv.model import Identity, SymbolicForward
from symconv.algebra.verbs import box_sum, dilate, empty_polynomials, pad
from symconv.options import given, window_options
from symconv.spec import PoolSpec
from symconv.algebra.symbols import SymbolArray

OPTIONS = {"input", "kernel", "stride", "padding", "in_channels", "batch", "count_include_pad"}
SIGNATURE = "forward(x), backward(dy, x) -> dx"


def spec_from_options(options) -> PoolSpec:
    """Pooling options; the stride defaults to the window, as in PyTorch."""
    kernel = given(options, "kernel", "2x2")
    return PoolSpec("avgpool", window_options(options, kernel_default=kernel,
                                              stride_default=kernel, dilation=False),
                    channels=given(options, "in_channels", 1), batch=given(options, "batch", 1),
                    count_include_pad=given(options, "count_include_pad", True))


def window_reads(spec: PoolSpec, i: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Input positions ``u = s*i + j - p_lo`` of window ``i`` that lie inside the input."""
    return [u for _, u in spec.window.taps(i)]


def window_size(spec: PoolSpec, i: tuple[int, ...]) -> int:
    """The divisor: the whole window, or only the input entries it covers."""
    if spec.count_include_pad:
        return int(np.prod(spec.window.kernel))
    return len(window_reads(spec, i))


def symbolic_forward(spec: PoolSpec) -> SymbolicForward:
    x = SymbolArray("X", spec.input_shape, leading=2)
    g = SymbolArray("G", spec.output_shape, leading=2)
    output = empty_polynomials(spec.output_shape)
    for i in np.ndindex(*spec.window.output):
        share = Fraction(1, window_size(spec, i))
        for n, c in product(range(spec.batch), range(spec.channels)):
            for u in window_reads(spec, i):
                output[(n, c, *i)][(x[(n, c, *u)],)] = share
    return SymbolicForward(inputs={"X": x}, output=output, upstream=g)


def identities(spec: PoolSpec, forward: SymbolicForward) -> list[Identity]:
    """dX = ones * (G / size) dilated by s and padded by (K-1-p_lo, K-1-p_hi+r)."""
    w = spec.window
    scaled = np.empty(spec.output_shape, dtype=object)
    for index, g in np.ndenumerate(forward.upstream.entries):
        scaled[index] = {(g,): Fraction(1, window_size(spec, index[2:]))}
    padding = tuple(arithmetic.input_grad_padding(k, 1, lo, hi, r)
                    for k, (lo, hi), r in zip(w.kernel, w.padding, w.leftover))
    spread = pad(dilate(scaled, w.stride), padding)
    closed = np.empty(spec.input_shape, dtype=object)
    for n, c in product(range(spec.batch), range(spec.channels)):
        closed[n, c] = box_sum(spread[n, c], w.kernel)
    return [Identity("dX", "X", "dL/dX = full convolution of (G / window size) dilated by the "
                     "stride with the all-ones kernel: padded by (K-1-p_lo, K-1-p_hi+r)",
                     closed)]
