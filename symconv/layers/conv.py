"""Convolution layer: symbolic forward from the definition, and the identities of its backward.

Index letters (used everywhere, documents included): batch ``n``, input channel ``c``,
output channel ``o``, channel within a group ``c'``, output position ``i``, kernel tap ``j``,
input position ``u``, position in the stride-dilated gradient ``t``.

Forward (cross-correlation, PyTorch semantics), per output entry::

    O[n, o, i] = b[o] + sum_{c', j} W[o, c', j] * Xp[n, g(o) C_in/g + c', s*i + d*j]

with ``Xp`` the input zero-padded by ``(p_lo, p_hi)`` and ``g(o) = o // (C_out/g)`` the group
of output channel ``o``. Identities (DESIGN §2), with ``Gs`` = G dilated by the stride:

* dW = valid correlation of X padded by ``(p_lo, p_hi - r)`` with ``Gs``, read at step ``d``;
* dX = full convolution of ``Gs`` with ``W``: ``Gs`` padded by ``(K-1-p_lo, K-1-p_hi+r)``
  correlated with ``rot180(W)`` dilated by ``d``;
* db = the sum of ``G`` over batch and positions.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from symconv.algebra import arithmetic
from symconv.model import Identity, SymbolicForward
from symconv.algebra.verbs import correlate, correlation_length, dilate, empty_polynomials, pad, rot180
from symconv.options import given, window_options
from symconv.algebra.polynomial import monomial
from symconv.spec import ConvSpec
from symconv.algebra.symbols import SymbolArray

NAME = "conv"
OPTIONS = {"input", "kernel", "stride", "padding", "dilation", "in_channels", "out_channels",
           "groups", "batch"}
SIGNATURE = "forward(x, w, b=None), backward(dy, x, w) -> (dx, dw, db)"


def spec_from_options(options) -> ConvSpec:
    """The :class:`ConvSpec` described by parsed command-line ``options``."""
    return ConvSpec(window=window_options(options),
                    in_channels=given(options, "in_channels", 1),
                    out_channels=given(options, "out_channels", 1),
                    groups=given(options, "groups", 1),
                    batch=given(options, "batch", 1))


def document(derivation):
    """The derivation document: ``templates/derivation.*.jinja`` and its values."""
    from symconv.document import document_context
    return "derivation", document_context(derivation)


def proof_spec(spec: ConvSpec) -> ConvSpec:
    from symconv.codegen import proof_spec as conv_proof_spec
    return conv_proof_spec(spec)


def module_source(spec: ConvSpec, derivation) -> str:
    from symconv.codegen import conv_module
    return conv_module(spec, derivation)


def input_channel(spec: ConvSpec, o: int, c_in_group: int) -> int:
    """Input channel read by output channel ``o`` at in-group index ``c'``: ``g(o) C_in/g + c'``."""
    return (o // spec.group_out) * spec.group_in + c_in_group


Index = tuple[int, ...]


def window_reads(spec: ConvSpec) -> list[tuple[Index, Index, Index]]:
    """Every ``(i, j, u)`` with ``u = s*i + d*j - p_lo`` inside the input (padding reads 0)."""
    w = spec.window
    per_axis = []
    for n, k, s, d, (lo, _), m in zip(w.input, w.kernel, w.stride, w.dilation, w.padding,
                                       w.output):
        per_axis.append([(i, j, s * i + d * j - lo) for i in range(m) for j in range(k)
                         if 0 <= s * i + d * j - lo < n])
    return [tuple(zip(*combo)) for combo in product(*per_axis)]


def symbolic_forward(spec: ConvSpec) -> SymbolicForward:
    """Build X, W, b, G and the output O from the definition of the strided, dilated correlation."""
    x = SymbolArray("X", spec.input_shape, leading=2)
    w = SymbolArray("W", spec.weight_shape, leading=2)
    b = SymbolArray("b", (spec.out_channels,))
    g = SymbolArray("G", spec.output_shape, leading=2)
    output = empty_polynomials(spec.output_shape)
    reads = window_reads(spec)
    for n, o in product(range(spec.batch), range(spec.out_channels)):
        for i in np.ndindex(spec.window.output):
            output[(n, o, *i)][(b[o],)] = 1
        for c_in_group in range(spec.group_in):
            c = input_channel(spec, o, c_in_group)
            for i, j, u in reads:
                term = output[(n, o, *i)]
                key = monomial(w[(o, c_in_group, *j)], x[(n, c, *u)])
                term[key] = term.get(key, 0) + 1
    return SymbolicForward(inputs={"X": x, "W": w, "b": b}, output=output, upstream=g)


def weight_gradient(spec: ConvSpec, x: np.ndarray, g_dilated: np.ndarray,
                    x_padding: tuple[tuple[int, int], ...]) -> np.ndarray:
    """``dW[o, c'] = sum_n corr(pad(X[n, g(o) C_in/g + c'], x_padding), Gs[n, o])`` at step d."""
    x_padded = pad(x, x_padding)
    unit = (1,) * spec.window.rank
    taps = tuple(correlation_length(a, b, 1, d) for a, b, d in
                 zip(x_padded.shape[2:], g_dilated.shape[2:], spec.window.dilation))
    result = empty_polynomials(spec.weight_shape[:2] + taps)
    for o, c_in_group in product(range(spec.out_channels), range(spec.group_in)):
        c = input_channel(spec, o, c_in_group)
        for n in range(spec.batch):
            correlate(x_padded[n, c], g_dilated[n, o], dilation=unit,
                      step=spec.window.dilation, out=result[o, c_in_group])
    return result


def input_gradient(spec: ConvSpec, g_dilated: np.ndarray, kernel: np.ndarray,
                   g_padding: tuple[tuple[int, int], ...]) -> np.ndarray:
    """``dX[n, c] = sum_{o in group(c)} corr(pad(Gs[n, o], g_padding), kernel[o, c'])``, dilated.

    With ``kernel = rot180(W)`` and the full-convolution padding this is ``Gs * W``.
    """
    g_padded = pad(g_dilated, g_padding)
    unit = (1,) * spec.window.rank
    positions = tuple(correlation_length(a, k, d, 1) for a, k, d in
                      zip(g_padded.shape[2:], kernel.shape[2:], spec.window.dilation))
    result = empty_polynomials(spec.input_shape[:2] + positions)
    for n, c in product(range(spec.batch), range(spec.in_channels)):
        group, c_in_group = divmod(c, spec.group_in)
        for o in range(group * spec.group_out, (group + 1) * spec.group_out):
            correlate(g_padded[n, o], kernel[o, c_in_group], dilation=spec.window.dilation,
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
    """The closed forms of dW, dX and db built from pad / dilate / rot180 / correlate."""
    w = spec.window
    g = forward.upstream.entries
    g_dilated = dilate(g, w.stride)
    x_padding = tuple(arithmetic.weight_grad_padding(lo, hi, r)
                      for (lo, hi), r in zip(w.padding, w.leftover))
    g_padding = tuple(arithmetic.input_grad_padding(k, d, lo, hi, r)
                      for k, d, (lo, hi), r in zip(w.kernel, w.dilation, w.padding, w.leftover))
    return [
        Identity("dW", "W",
                 "dL/dW = valid cross-correlation of X padded by (p_lo, p_hi - r) with G "
                 "dilated by the stride, read at step d",
                 weight_gradient(spec, forward.inputs["X"].entries, g_dilated, x_padding)),
        Identity("dX", "X",
                 "dL/dX = full convolution of G dilated by the stride with W: padded by "
                 "(K-1-p_lo, K-1-p_hi+r), correlated with rot180(W) dilated by d",
                 input_gradient(spec, g_dilated, rot180(forward.inputs["W"].entries, w.rank),
                                g_padding)),
        Identity("db", "b", "dL/db = sum of G over batch and positions",
                 bias_gradient(spec, g)),
    ]
