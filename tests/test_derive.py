"""The one-pass derivation agrees with sympy.diff on the SymPy form of the forward pass."""

from __future__ import annotations

import pytest
import sympy

from symconv.algebra.polynomial import from_sympy, gradient, to_sympy
from symconv.engine.derive import derive, pairing
from symconv.layers.conv import forward as conv_forward
from tests.conftest import conv

TINY = {
    "classic": conv((3, 3), 2),
    "stride-pad": conv((4, 4), 3, 2, 1),
    "dilated-1d": conv((6,), 2, 2, ((1, 0),), 2, cin=2, cout=2),
    "groups": conv((3, 3), 2, 1, 0, cin=2, cout=2, groups=2),
}


@pytest.mark.parametrize("spec", TINY.values(), ids=TINY.keys())
def test_derivation_matches_sympy_diff(spec):
    forward = conv_forward.symbolic_forward(spec)
    inner = sympy.Add(*(g * to_sympy(o) for g, o in
                        zip(forward.upstream.entries.flat, forward.output.flat)))
    derived = derive(forward)
    for name, array in forward.inputs.items():
        for symbol, ours in zip(array.entries.flat, derived[name].flat):
            assert from_sympy(sympy.diff(inner, symbol)) == ours, (name, symbol)


def test_pairing_is_the_sum_of_g_times_o():
    forward = conv_forward.symbolic_forward(TINY["stride-pad"])
    expected = sympy.expand(sum(g * to_sympy(o) for g, o in
                                zip(forward.upstream.entries.flat, forward.output.flat)))
    assert pairing(forward) == from_sympy(expected)


def test_gradient_power_rule():
    a, b = sympy.symbols("a b")
    poly = from_sympy(4 * a**3 * b - 2 * b**2 + a)
    assert {s: to_sympy(p) for s, p in gradient(poly).items()} == {
        a: 12 * a**2 * b + 1, b: 4 * a**3 - 4 * b}
