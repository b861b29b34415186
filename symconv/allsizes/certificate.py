"""Certificates for integer obligations, and the small checker that is all a reader must trust.

An obligation says ``P_1 >= 0, ..., E_1 = 0, ... |- goal >= 0`` over the integers. A certificate
is a list of items ``weight * (product of at most two ">= 0" facts)`` (weight >= 0) and
``weight * multiplier * E`` (any weight, any polynomial multiplier), where a ">= 0" fact is a
premise, the constant 1, or the integer negation of the goal ``-goal - 1 >= 0``. If the items
add up (``sympy.expand``) to a negative constant, the negated goal is contradictory: every item is
``>= 0`` (or ``= 0``) under the premises, yet their sum is ``< 0``. So the goal holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy


@dataclass(frozen=True)
class Item:
    weight: Fraction
    kind: str                  # "ge": product of ">= 0" facts; "eq": multiplier * equation
    factors: tuple             # ge: 0..2 expressions; eq: exactly one equation expression
    multiplier: sympy.Expr = sympy.S.One

    def expr(self) -> sympy.Expr:
        value = sympy.Rational(self.weight.numerator, self.weight.denominator) * self.multiplier
        for factor in self.factors:
            value = value * factor
        return value

    def text(self) -> str:
        facts = "*".join(f"({sympy.sstr(f)})" for f in self.factors) or "1"
        mult = "" if self.multiplier == 1 else f"({sympy.sstr(self.multiplier)})*"
        return f"{self.weight}*{mult}{facts}"


@dataclass(frozen=True)
class Certificate:
    items: tuple

    def text(self) -> str:
        return " + ".join(item.text() for item in self.items) + f" = {sympy.sstr(self.total())}"

    def total(self) -> sympy.Expr:
        return sympy.expand(sum((item.expr() for item in self.items), sympy.S.Zero))


def check(obligation, certificate: Certificate) -> bool:
    """Re-check ``certificate`` against ``obligation`` (``.premises`` literals, ``.goal``).

    Every ``ge`` fact must be a ``>= 0`` premise or the negated goal, with a weight ``>= 0``;
    every equation must be an ``= 0`` premise; the expanded sum must be a negative number.
    """
    ge_facts = {sympy.expand(p.expr) for p in obligation.premises if p.kind == "ge"}
    ge_facts.add(sympy.expand(-obligation.goal - 1))
    eq_facts = {sympy.expand(p.expr) for p in obligation.premises if p.kind == "eq"}
    for item in certificate.items:
        factors = [sympy.expand(f) for f in item.factors]
        if item.kind == "ge":
            if item.weight < 0 or item.multiplier != 1 or len(factors) > 2:
                return False
            if any(f not in ge_facts for f in factors):
                return False
        elif item.kind == "eq":
            # e = 0 and -e = 0 are the same premise
            if len(factors) != 1 or not ({factors[0], -factors[0]} & eq_facts):
                return False
        else:
            return False
    total = certificate.total()
    return bool(total.is_Number and total < 0)
