"""Max pooling: each output is the largest entry of its window; the gradient goes to it.

Forward, per channel, with padding counting as minus infinity (it is left out of the max)::

    O[n, c, i] = max { X[n, c, u] : u = s*i + d*j - p_lo inside the input }

SymPy's derivative of ``Max`` is a Heaviside step of ``X_w - Max(others)``, which it cannot
evaluate without knowing which entry is largest. The proof therefore splits cases
explicitly: for window ``i`` and each entry ``w`` of it, on the open region where ``X_w`` is
the unique maximum (others written ``X_v = X_w - t_v`` with ``t_v > 0``) SymPy evaluates the
window's ``Max`` to ``X_w`` exactly, so there ``O_i = X_w`` and ``dO_i/dX_u = [u = w]``.
The chain rule then routes ``G_i`` to the arg-max, and overlapping windows add up. Ties
(measure zero) are outside the proof; the generated code sends them to the first maximum
in scan order, like PyTorch.
"""

from __future__ import annotations

from itertools import product

import numpy as np
import sympy

from symconv.layers.pooling import document, module_source, proof_spec  # noqa: F401
from symconv.model import Identity, SymbolicForward
from symconv.options import given, window_options
from symconv.algebra.polynomial import from_sympy
from symconv.spec import PoolSpec
from symconv.algebra.symbols import SymbolArray

OPTIONS = {"input", "kernel", "stride", "padding", "dilation", "in_channels", "batch"}
SIGNATURE = "forward(x), backward(dy, x) -> dx"
MAX_TERMS = 2_000
METHOD = ("case split over the arg-max of each window (on the region where X_w is the unique "
          "maximum SymPy evaluates Max to X_w), then term-dictionary comparison")


def spec_from_options(options) -> PoolSpec:
    """Pooling options; the stride defaults to the window, as in PyTorch."""
    kernel = given(options, "kernel", "2x2")
    return PoolSpec("maxpool", window_options(options, kernel_default=kernel,
                                              stride_default=kernel),
                    channels=given(options, "in_channels", 1), batch=given(options, "batch", 1))


def window_entries(spec: PoolSpec, x: SymbolArray, n: int, c: int, i: tuple[int, ...]) -> list:
    """The input symbols window ``i`` reads, in scan order (padding left out)."""
    return [x[(n, c, *u)] for _, u in spec.window.taps(i)]


def windows(spec: PoolSpec):
    """Every window as ``(output index, its input symbols)``."""
    for n, c in product(range(spec.batch), range(spec.channels)):
        for i in np.ndindex(*spec.window.output):
            yield (n, c, *i)


def symbolic_forward(spec: PoolSpec) -> SymbolicForward:
    x = SymbolArray("X", spec.input_shape, leading=2)
    g = SymbolArray("G", spec.output_shape, leading=2)
    output = np.empty(spec.output_shape, dtype=object)
    for index in windows(spec):
        output[index] = sympy.Max(*window_entries(spec, x, *index[:2], index[2:]))
    return SymbolicForward(inputs={"X": x}, output=output, upstream=g)


def window_args(output: sympy.Expr) -> list:
    """The entries a window's ``Max`` ranges over (a one-entry window is the entry itself)."""
    return list(output.args) if isinstance(output, sympy.Max) else [output]


def case_label(winner: sympy.Symbol) -> str:
    return f"max at {winner.name}"


def derive(forward: SymbolicForward) -> dict[str, np.ndarray]:
    """Per window and per possible arg-max ``w``: the routing ``{X_u: G_i dO_i/dX_u}``."""
    result = np.empty(forward.output.shape, dtype=object)
    for index, output in np.ndenumerate(forward.output):
        entries = window_args(output)
        g = forward.upstream[index]
        cases = {}
        for winner in entries:
            gaps = {v: sympy.Symbol(f"t_{k}", positive=True)
                    for k, v in enumerate(entries) if v is not winner}
            on_region = output.xreplace({v: winner - t for v, t in gaps.items()})
            # back in the input variables: O_i as a function of X on this region
            local = on_region.xreplace({t: winner - v for v, t in gaps.items()})
            routes = {u.name: from_sympy(g * sympy.diff(local, u)) for u in entries}
            cases[case_label(winner)] = {u: p for u, p in routes.items() if p}
        result[index] = cases
    return {"X": result}


def identities(spec: PoolSpec, forward: SymbolicForward) -> list[Identity]:
    """Routing: in the case ``max at X_w``, window ``i`` sends ``G_i`` to ``X_w`` only."""
    closed = np.empty(spec.output_shape, dtype=object)
    for index, output in np.ndenumerate(forward.output):
        entries = window_args(output)
        g = forward.upstream[index]
        closed[index] = {case_label(w): {w.name: {(g,): 1}} for w in entries}
    return [Identity("dX", "X", "dL/dX routes each G_i to the arg-max of window i (summed "
                     "where windows overlap)", closed, method=METHOD)]
