"""Rules R1, R2, R4 and R6 on guarded sums (R3 is :func:`terms.product`, R5 :func:`terms.in_range`).

* R1 delta: ``sum_{v} [v - w = 0] F(v) = F(w)`` when ``v`` has coefficient +-1 (the ranges of
  ``v`` are guards already, so they become guards on ``w``).
* R2 reindex: ``v = N - c`` or ``v = c - N`` (a bijection of Z); used to give bound variables
  canonical names taken from the array position they index.
* R4 derivative: ``d/dA[u] sum [phi] c A[e] f = sum [phi][e - u = 0] c f``.
* R6 guard equivalence: two sums with the same summand and bound variables are equal when
  ``H |- (phi <=> psi)``; each direction gives literal obligations ``H, phi |- l``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import sympy

from symconv.allsizes.terms import EQ, Literal, Term, eq, factor_text, integer

# Names of the bound variable that indexes each array position (spatial ones get _axis).
POSITION_NAMES = {"G": ("b", "gr", "o", "i"), "W": ("gr", "o", "c", "j"),
                  "X": ("b", "gr", "c", "t"), "bias": ("gr", "o")}
ORDER = {"G": 0, "W": 1, "X": 2, "bias": 3}


def derivative(terms: list, name: str, query: tuple) -> list:
    """R4: differentiate a sum of terms by the entry ``name[query]`` (each term is linear in it)."""
    result = []
    for term in terms:
        for k, (fname, idx) in enumerate(term.factors):
            if fname != name:
                continue
            deltas = tuple(eq(e - u, "R4") for e, u in zip(idx, query))
            rest = term.factors[:k] + term.factors[k + 1:]
            result.append(replace(term, guards=term.guards + deltas, factors=rest))
    return result


def _unit_solution(expr: sympy.Expr, v: sympy.Symbol):
    """``w`` with ``expr = 0 <=> v = w`` when ``expr`` is ``+-v + (terms free of v)``."""
    c = expr.coeff(v)
    rest = sympy.expand(expr - c * v)
    if c in (1, -1) and v not in rest.free_symbols:
        return sympy.expand(-rest / c)
    return None


def delta(term: Term, steps: list | None = None) -> Term | None:
    """R1 applied while possible; ``None`` when a guard becomes numerically false."""
    while True:
        found = None
        for literal in term.guards:
            if literal.kind != EQ:
                continue
            for v in term.bound:
                w = _unit_solution(literal.expr, v)
                if w is not None:
                    found = (literal, v, w)
                    break
            if found:
                break
        if not found:
            return term.tidy()
        literal, v, w = found
        if steps is not None:
            steps.append(f"R1 delta: sum over {v} with [{literal.text()}] -> {v} = {sympy.sstr(w)}")
        guards = tuple(g for g in term.guards if g is not literal)
        term = replace(term, bound=tuple(x for x in term.bound if x != v), guards=guards)
        term = term.xreplace({v: w})
        term = term.tidy()
        if term is None:
            return None


def _position_name(array: str, pos: int) -> str:
    names = POSITION_NAMES[array]
    if pos < len(names) - 1 or array == "bias":
        return names[pos]
    return f"{names[-1]}_{pos - len(names) + 2}"


def _fresh_name(base: str, taken: set) -> sympy.Symbol:
    name = base
    while name in taken:
        name += "'"
    taken.add(name)
    return integer(name)


def canonical(term: Term, steps: list | None = None) -> Term:
    """R2: rename/reindex bound variables after the array position they index.

    A component ``+-v + c`` (``c`` free of unnamed bound variables) makes ``v = +-(N - c)`` with
    ``N`` the position's name; remaining bound variables keep their hint letter.
    """
    taken = {str(x) for x in term.coeff.free_symbols}
    for g in term.guards:
        taken |= {str(x) for x in g.expr.free_symbols if x not in term.bound}
    for _, idx in term.factors:
        for e in idx:
            taken |= {str(x) for x in e.free_symbols if x not in term.bound}
    named: set = set()
    for fname, idx in sorted(term.factors, key=lambda f: ORDER.get(f[0], 9)):
        for pos in range(len(idx)):
            e = _component(term, fname, pos)
            free = [v for v in term.bound if v in e.free_symbols and v not in named]
            if len(free) != 1 or (e.free_symbols & set(term.bound)) - named - set(free):
                continue
            v = free[0]
            w = _unit_solution(e, v)   # e = 0 <=> v = w, so e = +-(v - w)
            if w is None:
                continue
            new = _fresh_name(_position_name(fname, pos), taken)
            sign = e.coeff(v)
            target = sympy.expand(sign * new + w)   # then e = sign*(v - w) = new
            if steps is not None and target != new:
                steps.append(f"R2 reindex: {v} = {sympy.sstr(target)}")
            term = replace(term, bound=tuple(new if x == v else x for x in term.bound))
            term = term.xreplace({v: target})
            named.add(new)
    leftovers = {v: _fresh_name(re.sub(r"'\d+$", "", str(v)), taken)
                 for v in term.bound if v not in named}
    if leftovers:
        term = replace(term, bound=tuple(leftovers.get(x, x) for x in term.bound))
        term = term.xreplace(leftovers)
    factors = tuple(sorted(term.factors, key=lambda f: ORDER.get(f[0], 9)))
    return replace(term, factors=factors)


def _component(term: Term, fname: str, pos: int) -> sympy.Expr:
    for name, idx in term.factors:
        if name == fname:
            return idx[pos]
    raise KeyError(fname)


def normal_form(terms: list, steps: list | None = None) -> list:
    """R1 then R2 on every term; vanished terms are dropped."""
    result = []
    for term in terms:
        reduced = delta(term, steps)
        if reduced is not None:
            result.append(canonical(reduced, steps))
    return result


def summand_key(term: Term) -> tuple:
    return term.factors


@dataclass(frozen=True)
class GuardGoal:
    """One literal that must follow from H and the other side's guards (one direction of R6)."""

    goal: Literal
    premises: tuple     # the other side's guards
    side: str           # which side the goal literal comes from: "chain" or "closed"


@dataclass(frozen=True)
class Pairing:
    pairs: list          # list[(chain_term, closed_term)]
    problems: list       # list[str]: unmatched summands, coefficient or bound mismatches


def pair_terms(chain: list, closed: list) -> Pairing:
    """Match terms of both sides by summand (after R2 the names agree when the maths does)."""
    pairs, problems = [], []
    closed_by_key: dict = {}
    for term in closed:
        closed_by_key.setdefault(summand_key(term), []).append(term)
    seen = set()
    for term in chain:
        key = summand_key(term)
        partners = closed_by_key.get(key, [])
        if len(partners) != 1 or key in seen:
            problems.append(f"chain-rule summand {_summand(term)} has {len(partners)} partners "
                            f"on the closed-form side ({_closest(term, closed)})")
            continue
        seen.add(key)
        other = partners[0]
        if sympy.expand(term.coeff - other.coeff) != 0:
            problems.append(f"coefficients differ for {_summand(term)}")
        elif set(term.bound) != set(other.bound):
            problems.append(f"bound variables differ for {_summand(term)}: "
                            f"{sorted(map(str, term.bound))} vs {sorted(map(str, other.bound))}")
        else:
            pairs.append((term, other))
    for key, terms in closed_by_key.items():
        if key not in seen:
            problems.append(f"closed-form summand {_summand(terms[0])} has no partner on the "
                            "chain-rule side")
    return Pairing(pairs, problems)


def guard_goals(chain_term: Term, closed_term: Term, hypotheses: set) -> list[GuardGoal]:
    """R6: the literals of each side not already among the other side's guards or H."""
    phi, psi = set(chain_term.guards), set(closed_term.guards)
    goals = [GuardGoal(g, chain_term.guards, "closed") for g in closed_term.guards
             if g not in phi and g not in hypotheses]
    goals += [GuardGoal(g, closed_term.guards, "chain") for g in chain_term.guards
              if g not in psi and g not in hypotheses]
    return goals


def _summand(term: Term) -> str:
    return "*".join(factor_text(f) for f in term.factors) or "1"


def _closest(term: Term, others: list) -> str:
    names = [f[0] for f in term.factors]
    same = [o for o in others if [f[0] for f in o.factors] == names]
    if not same:
        return "none with the same arrays"
    return "closest: " + ", ".join(_summand(o) for o in same[:2])
