"""Integer obligations ``H, guards |- goal >= 0`` and the search for their certificates.

The search (not trusted; :mod:`certificate` re-checks) restricts the premises to those
connected to the goal through shared symbols, then looks for non-negative weights on
the premises, the negated goal ``-goal - 1 >= 0``, the constant 1, pairwise products of these
(only those whose degree->=2 monomials occur in the goal, an equation or a premise), and free
multiples ``+-1, +-x`` of the equations, adding up to ``-1``. Finding the weights is an exact
linear feasibility problem (:func:`lp.feasible`).

Obligations about one axis are the same up to the axis subscript, so a certificate found for
axis 1 is renamed for axis 2 (and re-checked there like every other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations_with_replacement

import sympy

from symconv.allsizes.certificate import Certificate, Item
from symconv.allsizes.lp import feasible
from symconv.allsizes.terms import EQ, GE, Literal, integer, negation


@dataclass(frozen=True)
class Obligation:
    """``premises |- goal >= 0`` for all integers; ``words`` says what it is for."""

    identity: str
    words: str
    premises: tuple       # Literals (H and the guards of one side)
    goal: sympy.Expr

    def statement(self, premises: list | None = None) -> str:
        shown = self.premises if premises is None else premises
        facts = ", ".join(p.text() for p in shown)
        return f"{facts} |- {sympy.sstr(self.goal)} >= 0"


def relevant(premises, goal) -> list[Literal]:
    """Premises connected to the goal by chains of shared symbols."""
    symbols = set(goal.free_symbols)
    chosen, rest = [], list(premises)
    grew = True
    while grew:
        grew = False
        for p in list(rest):
            if p.expr.free_symbols & symbols:
                chosen.append(p)
                rest.remove(p)
                symbols |= p.expr.free_symbols
                grew = True
    return sorted(chosen, key=lambda p: (p.kind, sympy.default_sort_key(p.expr)))


def _poly(expr: sympy.Expr) -> dict:
    """``{monomial: Fraction}`` with a monomial a sorted tuple of ``(name, power)``."""
    result = {}
    for mono, coeff in sympy.expand(expr).as_coefficients_dict().items():
        key = () if mono == 1 else tuple(sorted((str(b), int(e))
                                                for b, e in mono.as_powers_dict().items()))
        value = int(coeff.p) if coeff.q == 1 else Fraction(int(coeff.p), int(coeff.q))
        result[key] = result.get(key, 0) + value
    return {k: v for k, v in result.items() if v}


def _mul(a: dict, b: dict) -> dict:
    out: dict = {}
    for ka, va in a.items():
        for kb, vb in b.items():
            powers = dict(ka)
            for name, e in kb:
                powers[name] = powers.get(name, 0) + e
            key = tuple(sorted(powers.items()))
            out[key] = out.get(key, 0) + va * vb
    return {k: v for k, v in out.items() if v}


def _high(poly: dict) -> set:
    return {k for k in poly if sum(e for _, e in k) >= 2}


def search(premises: list, goal: sympy.Expr) -> Certificate | None:
    """Weights for a certificate of ``premises |- goal >= 0``, or None when none is found."""
    chosen = relevant(premises, goal)
    facts = [p.expr for p in chosen if p.kind == GE] + [negation(goal)]
    equations = [p.expr for p in chosen if p.kind == EQ]
    fact_polys = [_poly(f) for f in facts]
    eq_polys = [_poly(e) for e in equations]
    universe = set().union(*map(_high, fact_polys + eq_polys))
    symbols = sorted({s for e in facts + equations for s in e.free_symbols}, key=str)

    items, columns = [Item(Fraction(0), GE, ())], [{(): 1}]
    for f, poly in zip(facts, fact_polys):
        items.append(Item(Fraction(0), GE, (f,)))
        columns.append(poly)
    for (a, pa), (b, pb) in combinations_with_replacement(list(zip(facts, fact_polys)), 2):
        poly = _mul(pa, pb)
        if _high(poly) <= universe:
            items.append(Item(Fraction(0), GE, (a, b)))
            columns.append(poly)
    for e, poly in zip(equations, eq_polys):
        for mult in [sympy.S.One, *symbols]:
            product = poly if mult == 1 else _mul(poly, _poly(mult))
            if mult != 1 and not _high(product) <= universe:
                continue
            for sign in (1, -1):
                items.append(Item(Fraction(0), EQ, (e,), sign * mult))
                columns.append({k: sign * v for k, v in product.items()})
    items, columns = _distinct(items, columns)
    weights = feasible(columns, {(): Fraction(-1)})
    if weights is None:
        return None
    used = [Item(w, item.kind, item.factors, item.multiplier)
            for w, item in zip(weights, items) if w]
    return Certificate(tuple(used))


def _distinct(items: list, columns: list) -> tuple[list, list]:
    """Drop zero columns and repeated columns (the first item of each is kept)."""
    seen, kept_items, kept_columns = set(), [], []
    for item, col in zip(items, columns):
        key = frozenset(col.items())
        if col and key not in seen:
            seen.add(key)
            kept_items.append(item)
            kept_columns.append(col)
    return kept_items, kept_columns


_AXIS = re.compile(r"^(.*?)_(\d+)('*)$")


def _axis_renaming(symbols) -> tuple[dict, dict] | None:
    """Map the ``_a`` subscript of one axis to ``_0`` (and back); None when two axes occur."""
    axes = {m.group(2) for m in (_AXIS.match(str(s)) for s in symbols) if m}
    if len(axes) > 1:
        return None
    there, back = {}, {}
    for s in symbols:
        m = _AXIS.match(str(s))
        if m:
            t = integer(f"{m.group(1)}_0{m.group(3)}")
            there[s], back[t] = t, s
    return there, back


class Searcher:
    """Certificate search with a cache of obligations that differ only by the axis subscript."""

    def __init__(self) -> None:
        self.cache: dict = {}
        self.searches = 0

    def certify(self, obligation: Obligation) -> Certificate | None:
        chosen = relevant(obligation.premises, obligation.goal)
        symbols = set(obligation.goal.free_symbols).union(*(p.expr.free_symbols for p in chosen))
        maps = _axis_renaming(symbols)
        if maps is None:
            self.searches += 1
            return search(chosen, obligation.goal)
        there, back = maps
        key = (frozenset(p.xreplace(there) for p in chosen),
               sympy.expand(obligation.goal.xreplace(there)))
        if key not in self.cache:
            self.searches += 1
            self.cache[key] = search(list(key[0]), key[1])
        found = self.cache[key]
        if found is None:
            return None
        return Certificate(tuple(Item(i.weight, i.kind,
                                      tuple(sympy.expand(f.xreplace(back)) for f in i.factors),
                                      i.multiplier.xreplace(back)) for i in found.items))
