"""ReLU: ``Y = max(X, 0)`` elementwise, and ``dX = dY * [X > 0]``.

The derivative of ``max(x, 0)`` does not exist at ``x = 0``; SymPy writes it as
``Heaviside(x)``. The derivation evaluates SymPy's chain rule on the two open regions where
it is defined — ``X > 0`` (substitute ``X = p`` with ``p > 0``) and ``X < 0`` (``X = -p``) —
and joins them with the region indicators ``[X > 0]`` and ``[X < 0]``:

    dL/dX_u = [X_u > 0] * (G_u Heaviside(X_u))|_(X_u = p) + [X_u < 0] * (...)|_(X_u = -p)

a polynomial in G and the indicators, shaped like X. At ``X = 0`` symconv, like PyTorch,
uses the subgradient 0: the mask ``[X > 0]`` is 0 there; that is a convention, not part of
the proof.
"""

from __future__ import annotations

import numpy as np
import sympy

from symconv.algebra.polynomial import add_term, from_sympy, monomial
from symconv.algebra.symbols import SymbolArray
from symconv.algebra.verbs import empty_polynomials
from symconv.engine.contract import Identity, SymbolicForward
from symconv.engine.derive import derive_expressions
from symconv.layers.relu.spec import ElementwiseSpec

POSITIVE = sympy.Symbol("p", positive=True)
METHOD = ("case split on the sign of each X (SymPy's derivative evaluated with X = p and "
          "X = -p, p > 0), then term-dictionary comparison of polynomials in G and the "
          "region indicators [X > 0], [X < 0]")


def region(x: sympy.Symbol, sign: str) -> sympy.Symbol:
    """The indicator ``[X_u > 0]`` or ``[X_u < 0]``."""
    return sympy.Symbol(f"[{x.name} {sign} 0]")


def symbolic_forward(spec: ElementwiseSpec) -> SymbolicForward:
    """``Y[u] = Max(X[u], 0)`` for every entry."""
    x = SymbolArray("X", spec.shape, leading=2)
    g = SymbolArray("G", spec.shape, leading=2)
    output = np.empty(spec.shape, dtype=object)
    for index in np.ndindex(*spec.shape):
        output[index] = sympy.Max(x[index], 0)
    return SymbolicForward(inputs={"X": x}, output=output, upstream=g)


def derive(forward: SymbolicForward) -> dict[str, np.ndarray]:
    """SymPy's chain rule (``G * Heaviside(X)``) on the regions X > 0 and X < 0."""
    chain = derive_expressions(forward)["X"]
    result = empty_polynomials(chain.shape)
    for index, x in np.ndenumerate(forward.inputs["X"].entries):
        for sign, value in ((">", POSITIVE), ("<", -POSITIVE)):
            for mono, coefficient in from_sympy(chain[index].subs(x, value)).items():
                add_term(result[index], monomial(region(x, sign), *mono), coefficient)
    return {"X": result}


def identities(spec: ElementwiseSpec, forward: SymbolicForward) -> list[Identity]:
    """``dX = G * [X > 0]``, entry by entry."""
    closed = empty_polynomials(spec.shape)
    for index, x in np.ndenumerate(forward.inputs["X"].entries):
        closed[index][monomial(forward.upstream[index], region(x, ">"))] = 1
    return [Identity("dX", "X", "dL/dX = G * [X > 0] (mask of the positive inputs)",
                     r"\frac{\partial L}{\partial X} = G \odot [X > 0]", closed, method=METHOD)]
