"""The convolution forward pass on symbols, from its definition.

Per output entry (cross-correlation, PyTorch semantics)::

    O[n, o, i] = b[o] + sum_{c', j} W[o, c', j] * Xp[n, g(o) C_in/g + c', s*i + d*j]

with ``Xp`` the input zero-padded by ``(p_lo, p_hi)``; the window geometry
(:meth:`WindowSpec.reads`) says which input position each tap reads.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from symconv.algebra.polynomial import monomial
from symconv.algebra.symbols import SymbolArray
from symconv.algebra.verbs import empty_polynomials, pad
from symconv.engine.contract import SymbolicForward
from symconv.layers.conv.spec import ConvSpec


def symbolic_forward(spec: ConvSpec) -> SymbolicForward:
    """Build X, W, b, G and the output O; keep ``X_p`` for the documents."""
    x = SymbolArray("X", spec.input_shape, leading=2)
    w = SymbolArray("W", spec.weight_shape, leading=2)
    b = SymbolArray("b", (spec.out_channels,))
    g = SymbolArray("G", spec.output_shape, leading=2)
    output = empty_polynomials(spec.output_shape)
    reads = spec.window.reads()
    for n, o in product(range(spec.batch), range(spec.out_channels)):
        for i in np.ndindex(spec.window.output):
            output[(n, o, *i)][(b[o],)] = 1
        for c_in_group in range(spec.group_in):
            c = spec.input_channel(o, c_in_group)
            for i, j, u in reads:
                term = output[(n, o, *i)]
                key = monomial(w[(o, c_in_group, *j)], x[(n, c, *u)])
                term[key] = term.get(key, 0) + 1
    return SymbolicForward(inputs={"X": x, "W": w, "b": b}, output=output, upstream=g,
                           parts={"X_p": pad(x.entries, spec.window.padding)})
