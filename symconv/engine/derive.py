"""Derivation: the chain rule applied to a layer's symbolic forward pass.

For any scalar loss ``L`` with upstream gradient ``G = dL/dO``, the chain rule gives
``dL/dv = sum_i G[i] * dO[i]/dv`` for every input symbol ``v`` — which is exactly the
partial derivative of the pairing ``<G, O> = sum_i G[i] O[i]`` (``G`` held constant).

Steps:
1. build ``<G, O>`` as one polynomial: each term of ``O[i]`` multiplied by ``G[i]``;
2. differentiate it with respect to every symbol in one pass over its terms
   (:func:`symconv.algebra.polynomial.gradient`);
3. arrange the partial derivatives into arrays shaped like each input.
"""

from __future__ import annotations

import numpy as np
import sympy

from symconv.algebra.polynomial import Polynomial, gradient, monomial
from symconv.engine.contract import SymbolicForward


def pairing(forward: SymbolicForward) -> Polynomial:
    """``<G, O> = sum_i G[i] * O[i]`` as one polynomial."""
    total: Polynomial = {}
    for g, output in zip(forward.upstream.entries.flat, forward.output.flat):
        for mono, coefficient in output.items():
            key = monomial(g, *mono)
            total[key] = total.get(key, 0) + coefficient
    return total


def derive(forward: SymbolicForward) -> dict[str, np.ndarray]:
    """``dL/d<name>`` for every input array, as object arrays of polynomials."""
    partials = gradient(pairing(forward))
    gradients = {}
    for name, array in forward.inputs.items():
        result = np.empty(array.shape, dtype=object)
        flat = result.reshape(-1)
        for position, symbol in enumerate(array.entries.flat):
            # an input that no output reads has a zero derivative
            flat[position] = partials.get(symbol, {})
        gradients[name] = result
    return gradients


def derive_expressions(forward: SymbolicForward) -> dict[str, np.ndarray]:
    """The chain rule for a forward pass of SymPy expressions, as SymPy expressions.

    ``dL/dv = sum_i G[i] dO[i]/dv``, visiting for each output only the inputs it contains
    (its free symbols), so an elementwise layer costs one derivative per entry.
    """
    position = {}
    for name, array in forward.inputs.items():
        for symbol, index in array.index_of.items():
            position[symbol] = (name, index)
    gradients = {name: np.full(array.shape, sympy.S.Zero, dtype=object)
                 for name, array in forward.inputs.items()}
    for g, output in zip(forward.upstream.entries.flat, forward.output.flat):
        for symbol in sorted(output.free_symbols & position.keys(), key=str):
            name, index = position[symbol]
            gradients[name][index] += g * sympy.diff(output, symbol)
    return gradients
