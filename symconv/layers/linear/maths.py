"""Fully connected layer: ``Y = X W^T + b`` with X ``(N, in)``, W ``(out, in)``, b ``(out,)``.

Forward: ``Y[n, o] = b[o] + sum_i X[n, i] W[o, i]``. Identities (polynomial, exact):
``dX = G W``, ``dW = G^T X``, ``db = sum over the batch of G``.
"""

from __future__ import annotations

import numpy as np

from symconv.algebra.polynomial import monomial
from symconv.algebra.symbols import SymbolArray
from symconv.algebra.verbs import empty_polynomials, matmul
from symconv.engine.contract import Identity, SymbolicForward
from symconv.layers.linear.spec import LinearSpec


def symbolic_forward(spec: LinearSpec) -> SymbolicForward:
    x = SymbolArray("X", (spec.batch, spec.in_features))
    w = SymbolArray("W", (spec.out_features, spec.in_features))
    b = SymbolArray("b", (spec.out_features,))
    g = SymbolArray("G", (spec.batch, spec.out_features))
    output = empty_polynomials((spec.batch, spec.out_features))
    for (n, o), poly in np.ndenumerate(output):
        poly[(b[o],)] = 1
        for i in range(spec.in_features):
            poly[monomial(x[n, i], w[o, i])] = 1
    return SymbolicForward(inputs={"X": x, "W": w, "b": b}, output=output, upstream=g)


def identities(spec: LinearSpec, forward: SymbolicForward) -> list[Identity]:
    x, w = forward.inputs["X"].entries, forward.inputs["W"].entries
    g = forward.upstream.entries
    db = empty_polynomials((spec.out_features,))
    for (_, o), value in np.ndenumerate(g):
        db[o][(value,)] = 1
    return [
        Identity("dX", "X", "dL/dX = G W", r"\frac{\partial L}{\partial X} = G\, W",
                 matmul(g, w)),
        Identity("dW", "W", "dL/dW = G^T X", r"\frac{\partial L}{\partial W} = G^{\mathsf T} X",
                 matmul(g.T, x)),
        Identity("db", "b", "dL/db = sum of G over the batch",
                 r"\frac{\partial L}{\partial b}[o] = \sum_n G_{n,o}", db),
    ]


def proof_spec(spec: LinearSpec) -> LinearSpec:
    return spec if spec.forward_terms <= 20_000 else LinearSpec(min(spec.in_features, 4),
                                                                 min(spec.out_features, 4), 1)
