"""Max pooling: each output is the largest entry of its window; the gradient goes to it.

Forward, per channel, with padding counting as minus infinity (it is left out of the max)::

    O[n, c, i] = max { X[n, c, u] : u = s*i + d*j - p_lo inside the input }

SymPy's derivative of ``Max`` is a Heaviside step it cannot evaluate without knowing which
entry is largest. The derivation therefore splits cases: for window ``i`` and each entry
``w`` of it, on the open region where ``X_w`` is the unique maximum (others written
``X_v = X_w - t_v`` with ``t_v > 0``) SymPy evaluates the window's ``Max`` to ``X_w``, so
there ``dO_i/dX_u = [u = w]``. Writing ``[X_w = max O_i]`` for the indicator of that region,
the chain rule gives the polynomial

    dL/dX_u = sum_i sum_{w in window i} [X_w = max O_i] * G_i * dO_i/dX_u |_(case w)

— shaped like X. The closed form routes ``G_i`` to each entry of window ``i`` with its
indicator, the windows found by the verbs (:mod:`symconv.layers.pool.windows`). Ties
(measure zero) are outside the proof; the generated code sends them to the first maximum in
scan order, like PyTorch.
"""

from __future__ import annotations

import numpy as np
import sympy

from symconv.algebra.polynomial import add_term, from_sympy, monomial
from symconv.algebra.symbols import SymbolArray
from symconv.algebra.verbs import empty_polynomials
from symconv.engine.contract import Identity, SymbolicForward
from symconv.layers.pool.spec import PoolSpec
from symconv.layers.pool.windows import window_entries

METHOD = ("case split over the arg-max of each window (on the region where X_w is the unique "
          "maximum SymPy evaluates Max to X_w), then term-dictionary comparison of polynomials "
          "in G and the region indicators [X_w = max O_i]")


def symbolic_forward(spec: PoolSpec) -> SymbolicForward:
    """``O_i = Max(entries window i reads)``, the window taps from the geometry."""
    x = SymbolArray("X", spec.input_shape, leading=2)
    g = SymbolArray("G", spec.output_shape, leading=2)
    output = np.empty(spec.output_shape, dtype=object)
    for n in range(spec.batch):
        for c in range(spec.channels):
            for i in np.ndindex(*spec.window.output):
                output[(n, c, *i)] = sympy.Max(*(x[(n, c, *u)] for _, u in spec.window.taps(i)))
    return SymbolicForward(inputs={"X": x}, output=output, upstream=g)


def window_args(output: sympy.Expr) -> list:
    """The entries a window's ``Max`` ranges over (a one-entry window is the entry itself)."""
    return list(output.args) if isinstance(output, sympy.Max) else [output]


def indicator(g: sympy.Symbol, winner: sympy.Symbol) -> sympy.Symbol:
    """``[X_w = max O_i]``: 1 on the region where ``X_w`` is the largest entry of window i."""
    return sympy.Symbol(rf"[{winner.name} = \max {g.name.replace('G', 'O', 1)}]")


def derive(forward: SymbolicForward) -> dict[str, np.ndarray]:
    """The chain rule, case by case: ``dX_u = sum_i sum_w [w] G_i dO_i/dX_u`` on region w."""
    x = forward.inputs["X"]
    result = empty_polynomials(x.shape)
    for index, output in np.ndenumerate(forward.output):
        entries = window_args(output)
        g = forward.upstream[index]
        for winner in entries:
            gaps = {v: sympy.Symbol(f"t_{k}", positive=True)
                    for k, v in enumerate(entries) if v is not winner}
            on_region = output.xreplace({v: winner - t for v, t in gaps.items()})
            # back in the input variables: O_i as a function of X on this region
            local = on_region.xreplace({t: winner - v for v, t in gaps.items()})
            case = indicator(g, winner)
            for u in entries:
                for mono, coefficient in from_sympy(g * sympy.diff(local, u)).items():
                    add_term(result[x.index_of[u]], monomial(case, *mono), coefficient)
    return {"X": result}


def identities(spec: PoolSpec, forward: SymbolicForward) -> list[Identity]:
    """Routing: window ``i`` sends ``[X_w = max O_i] G_i`` to every entry ``X_w`` it reads."""
    x = forward.inputs["X"]
    closed = empty_polynomials(x.shape)
    windows = np.empty(spec.output_shape, dtype=object)
    for index, entries in window_entries(spec, x.entries).items():
        windows[index] = entries
        g = forward.upstream[index]
        for entry in entries:
            add_term(closed[x.index_of[entry]], monomial(g, indicator(g, entry)), 1)
    return [Identity("dX", "X", "dL/dX routes each G_i to the arg-max of window i (summed "
                     "where windows overlap)",
                     r"\frac{\partial L}{\partial X_u} = \sum_{i} [X_u = \max O_i]\, G_i",
                     closed, parts={"windows": windows}, method=METHOD)]
