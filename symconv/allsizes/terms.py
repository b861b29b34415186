"""Literals and guarded finite sums, the objects of the all-sizes proof.

* A :class:`Literal` is an integer polynomial statement ``e = 0`` or ``e >= 0``.
* A :class:`Term` is ``c * sum_{v in Z^B} [l_1]...[l_g] * A[e_1, ...] * B[...]``: bound integer
  variables ranging over all integers, Iverson brackets of literals (ranges are guards, rule R5),
  and a product of array entries whose indices are integer polynomials.

A sum of terms is a plain ``list[Term]``. Everything is exact SymPy; nothing here simplifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sympy

Expr = sympy.Expr
GE, EQ = "ge", "eq"


def integer(name: str) -> sympy.Symbol:
    """An integer SymPy symbol (all symbols of the proof are integers)."""
    return sympy.Symbol(name, integer=True)


@dataclass(frozen=True)
class Literal:
    """``expr >= 0`` (kind ``ge``) or ``expr = 0`` (kind ``eq``); ``why`` says where it came from.

    ``expr`` is stored expanded; an equation is stored with a canonical sign so that ``e = 0``
    and ``-e = 0`` compare equal.
    """

    kind: str
    expr: Expr
    why: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        expr = sympy.expand(self.expr)
        if self.kind == EQ and expr.could_extract_minus_sign():
            expr = -expr
        object.__setattr__(self, "expr", expr)

    def xreplace(self, mapping: dict) -> Literal:
        return Literal(self.kind, self.expr.xreplace(mapping), self.why)

    def truth(self) -> bool | None:
        """True/False when the literal is a numeric fact, None when it depends on symbols."""
        if not self.expr.is_Number:
            return None
        return bool(self.expr == 0) if self.kind == EQ else bool(self.expr >= 0)

    def text(self) -> str:
        relation = "=" if self.kind == EQ else ">="
        return f"{sympy.sstr(self.expr)} {relation} 0"


def ge(expr, why: str = "") -> Literal:
    """The literal ``expr >= 0``."""
    return Literal(GE, expr, why)


def eq(expr, why: str = "") -> Literal:
    """The literal ``expr = 0`` (stored with a canonical sign).

    >>> u, v = integer("u"), integer("v")
    >>> eq(u - v) == eq(v - u)
    True
    """
    return Literal(EQ, expr, why)


def in_range(v, lo, hi, why: str = "") -> tuple[Literal, Literal]:
    """Rule R5, ranges to guards: ``v in [lo, hi]`` is ``[v - lo >= 0][hi - v >= 0]``."""
    return ge(v - lo, why), ge(hi - v, why)


def negation(goal: Expr) -> Expr:
    """Integer negation of ``goal >= 0``: ``goal <= -1``, i.e. ``-goal - 1 >= 0``.

    >>> negation(integer("u") - 2)
    1 - u
    """
    return sympy.expand(-goal - 1)


Factor = tuple[str, tuple]   # (array name, index expressions)


@dataclass(frozen=True)
class Term:
    """``coeff * sum_{bound} [guards] * prod(factors)``; bound variables range over Z."""

    coeff: Expr
    bound: tuple = ()
    guards: tuple = ()
    factors: tuple = ()

    def xreplace(self, mapping: dict) -> Term:
        """Substitute symbols everywhere (the caller keeps ``bound`` consistent)."""
        guards = tuple(g.xreplace(mapping) for g in self.guards)
        factors = tuple((name, tuple(sympy.expand(e.xreplace(mapping)) for e in idx))
                        for name, idx in self.factors)
        return replace(self, coeff=self.coeff.xreplace(mapping), guards=guards, factors=factors)

    def with_guards(self, *literals: Literal) -> Term:
        return replace(self, guards=self.guards + literals)

    def tidy(self) -> Term | None:
        """Drop duplicate and numerically true guards; ``None`` if a guard is numerically false."""
        kept, seen = [], set()
        for literal in self.guards:
            truth = literal.truth()
            if truth is False:
                return None
            if truth is None and literal not in seen:
                seen.add(literal)
                kept.append(literal)
        return replace(self, guards=tuple(kept))


def product(left: Term, right: Term) -> Term:
    """Rule R3: ``(sum_a [phi] F)(sum_b [psi] H) = sum_{a,b} [phi][psi] F H`` (names are fresh)."""
    clash = set(left.bound) & set(right.bound)
    if clash:
        raise ValueError(f"product of sums that share bound names {sorted(map(str, clash))}")
    return Term(left.coeff * right.coeff, left.bound + right.bound, left.guards + right.guards,
                left.factors + right.factors)


def products(lefts: list[Term], rights: list[Term]) -> list[Term]:
    """Distribute R3 over two sums of terms."""
    return [product(a, b) for a in lefts for b in rights]


def factor_text(factor: Factor) -> str:
    name, idx = factor
    return f"{name}[{', '.join(sympy.sstr(e) for e in idx)}]"


def term_text(term: Term) -> str:
    """``sum_{i,j} [..][..] G[..]*W[..]`` in plain text."""
    body = "*".join(factor_text(f) for f in term.factors) or "1"
    guards = "".join(f"[{g.text()}]" for g in term.guards)
    coeff = "" if term.coeff == 1 else f"{sympy.sstr(term.coeff)}*"
    if not term.bound:
        return f"{coeff}{guards}{body}"
    return f"{coeff}sum_{{{', '.join(map(str, term.bound))}}} {guards} {body}"
