"""Exact sparse polynomials over SymPy symbols, in canonical term-dictionary form.

A polynomial is a ``dict`` mapping a *monomial* — a tuple of symbols sorted by name, a
symbol repeated once per power — to a non-zero exact coefficient (``int`` or
``fractions.Fraction``). Two polynomials are equal exactly when their dictionaries are
equal, which is the exact identity test the proofs use (no heuristic simplification).

Building SymPy ``Add``/``Mul`` trees costs tens of microseconds per term; these dictionaries
cost well under one, which is what lets a 28x28 layer be derived and proven in a fraction
of a second. :func:`to_sympy` and :func:`from_sympy` convert at the edges.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from operator import attrgetter

import sympy

Monomial = tuple
Polynomial = dict

_by_name = attrgetter("name")


def monomial(*symbols: sympy.Symbol) -> Monomial:
    """The canonical monomial of a product of symbols (sorted by name).

    >>> a, b = sympy.symbols("a b")
    >>> monomial(b, a) == monomial(a, b) == (a, b)
    True
    """
    return tuple(sorted(symbols, key=_by_name))


def add_term(poly: Polynomial, mono: Monomial, coefficient) -> None:
    """``poly += coefficient * mono`` in place, dropping a term that cancels to zero."""
    total = poly.get(mono, 0) + coefficient
    if total:
        poly[mono] = total
    else:
        poly.pop(mono, None)


def add_into(poly: Polynomial, other: Polynomial, scale=1) -> None:
    """``poly += scale * other`` in place."""
    for mono, coefficient in other.items():
        add_term(poly, mono, scale * coefficient)


def times_symbol(poly: Polynomial, symbol: sympy.Symbol) -> Polynomial:
    """``poly * symbol``: the symbol joins every monomial, which stays sorted by name."""
    return {monomial(symbol, *mono): c for mono, c in poly.items()}


def gradient(poly: Polynomial) -> dict[sympy.Symbol, Polynomial]:
    """All first partial derivatives of ``poly`` in one pass over its terms.

    Power rule on each monomial: ``d/dv (c * v^e * rest) = c * e * v^(e-1) * rest``, so each
    term contributes to the derivative of every distinct symbol it contains.

    >>> a, b = sympy.symbols("a b")
    >>> grads = gradient({(a, a, b): 3, (b,): 2})      # 3 a^2 b + 2 b
    >>> grads[a], grads[b]
    ({(a, b): 6}, {(a, a): 3, (): 2})
    """
    grads: dict[sympy.Symbol, Polynomial] = defaultdict(dict)
    for mono, coefficient in poly.items():
        previous = None
        for position, symbol in enumerate(mono):
            if symbol is previous:
                continue  # a repeated symbol is handled once, with its power
            previous = symbol
            power = mono.count(symbol)
            rest = mono[:position] + mono[position + 1:]
            add_term(grads[symbol], rest, coefficient * power)
    return dict(grads)


def evaluate(poly: Polynomial, values: dict) -> float:
    """The value of ``poly`` with each symbol replaced by ``values[symbol]`` (floats).

    >>> a, b = sympy.symbols("a b")
    >>> evaluate({(a, b): 2, (a,): -1}, {a: 3.0, b: 0.5})
    0.0
    """
    total = 0.0
    for mono, coefficient in poly.items():
        term = float(coefficient)
        for symbol in mono:
            term *= values[symbol]
        total += term
    return total


def to_sympy(poly: Polynomial, order=None) -> sympy.Expr:
    """The SymPy expression of ``poly``; ``order`` (a key on monomials) fixes term order.

    >>> a, b = sympy.symbols("a b")
    >>> to_sympy({(a, b): 2, (): Fraction(1, 2)})
    2*a*b + 1/2
    """
    terms = sorted(poly.items(), key=lambda item: order(item[0])) if order else poly.items()
    return sympy.Add(*(sympy.Rational(c.numerator, c.denominator) * sympy.Mul(*mono)
                       if isinstance(c, Fraction) else c * sympy.Mul(*mono)
                       for mono, c in terms))


def from_sympy(expr: sympy.Expr) -> Polynomial:
    """The term dictionary of an expanded SymPy polynomial with rational coefficients.

    >>> a, b = sympy.symbols("a b")
    >>> from_sympy(sympy.expand((a + b) * b)) == {(a, b): 1, (b, b): 1}
    True
    """
    poly: Polynomial = {}
    for term in sympy.Add.make_args(sympy.expand(expr)):
        coefficient, factors = term.as_coeff_Mul()
        symbols = []
        for factor in sympy.Mul.make_args(factors):
            base, power = factor.as_base_exp()
            if factor == 1:
                continue
            if not (base.is_Symbol and power.is_Integer and power > 0):
                raise ValueError(f"not a polynomial term: {factor}")
            symbols.extend([base] * int(power))
        if not coefficient.is_Rational:
            raise ValueError(f"not a rational coefficient: {coefficient}")
        value = Fraction(int(coefficient.p), int(coefficient.q))
        add_term(poly, monomial(*symbols), int(value) if value.denominator == 1 else value)
    return poly
