"""The all-sizes theorem: dW, dX and db hold for every size, with symbolic channels and groups.

For each identity: unfold both sides (:mod:`unfold`), bring them to normal form with R1/R2
(:mod:`rules`), pair the summands, and turn R6 and the length lemmas into integer obligations
whose certificates are searched (:mod:`obligations`) and re-checked (:mod:`certificate`). When an
obligation fails, :mod:`counterexample` looks for the smallest concrete layer that breaks it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import sympy

import symconv.allsizes.certificate as certificate
from symconv.allsizes.formulas import DEFAULT_FORMULAS, Formulas
from symconv.allsizes.geometry import (
    UnsupportedFloor,
    axis_hypotheses,
    channel_hypotheses,
    hypothesis_text,
    make_axes,
    make_channels,
)
from symconv.allsizes.obligations import _AXIS, Obligation, Searcher, relevant
from symconv.allsizes.rules import guard_goals, normal_form, pair_terms
from symconv.allsizes.terms import EQ, eq, in_range, integer, term_text
from symconv.allsizes.unfold import SIDE_BUILDERS, LengthClaim, Sides


@dataclass
class Checked:
    """One obligation with its certificate (re-checked) or None."""

    obligation: Obligation
    proven: bool
    certificate: certificate.Certificate | None

    def as_dict(self) -> dict:
        return {"words": self.obligation.words, "statement": self.obligation.statement(
                    relevant(self.obligation.premises, self.obligation.goal)),
                "proven": self.proven,
                "certificate": self.certificate.text() if self.certificate else None}


@dataclass
class IdentityResult:
    """One identity (or lemma): its statement, obligations, time and verdict."""

    name: str
    statement: str
    obligations: int
    seconds: float
    proven: bool
    failure: str | None = None
    steps: dict = field(default_factory=dict)     # rule applications per side
    chain_form: list = field(default_factory=list)
    closed_form: list = field(default_factory=list)
    checked: list = field(default_factory=list)
    query: tuple = field(default=(), repr=False)      # the free entry (beta, gamma, c, u_1)
    chain_terms: list = field(default_factory=list, repr=False)    # normal forms as Terms
    closed_terms: list = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        return {"name": self.name, "statement": self.statement, "obligations": self.obligations,
                "seconds": round(self.seconds, 4), "proven": self.proven, "failure": self.failure,
                "steps": self.steps, "chain_form": self.chain_form,
                "closed_form": self.closed_form,
                "obligation_list": [c.as_dict() for c in self.checked]}


@dataclass
class AllSizesResult:
    rank: int
    proven: bool
    identities: list
    lemmas: list
    hypotheses: list
    axis_note: str
    counterexample: dict | None
    seconds: float

    def report(self) -> dict:
        """JSON-ready; deterministic apart from the ``seconds`` fields."""
        return {"rank": self.rank, "proven": self.proven,
                "identities": [i.as_dict() for i in self.identities],
                "lemmas": [lem.as_dict() for lem in self.lemmas],
                "hypotheses": list(self.hypotheses), "axes": self.axis_note,
                "counterexample": self.counterexample, "seconds": round(self.seconds, 4)}

    def text(self) -> str:
        """One line per identity (obligations, time), the hypotheses, the verdict."""
        lines = [f"All-sizes proof, rank {self.rank} (channels, groups and batch symbolic)"]
        for item in self.identities + self.lemmas:
            verdict = "proven" if item.proven else "NOT PROVEN"
            lines.append(f"  {item.name:<7} {verdict:<10} {item.obligations:>3} obligations "
                         f"{item.seconds:7.3f} s   {item.statement}")
        lines.append("Hypotheses:")
        lines += [f"  {h}" for h in self.hypotheses]
        lines.append(self.axis_note)
        if self.proven:
            lines.append(f"Verdict: proven for all sizes (rank {self.rank}), "
                         f"in {self.seconds:.2f} s.")
        else:
            lines.append("Verdict: NOT proven.")
            for item in self.identities + self.lemmas:
                if not item.proven:
                    lines.append(f"  {item.name}: {item.failure}")
            if self.counterexample:
                options = " ".join(f"--{k} {v}" for k, v in self.counterexample.items())
                lines.append(f"  smallest counterexample layer: {options}")
            else:
                lines.append("  no counterexample on the small layers searched "
                             "(a failed search is not a disproof)")
        return "\n".join(lines)


def _length_goals(claim: LengthClaim) -> list[tuple[str, sympy.Expr]]:
    """``computed == claimed`` as ``>= 0`` goals; a floor ``floor(N/D)`` becomes, by the division
    theorem, ``D*z <= N <= D*z + D - 1`` with ``z`` the value it must have (and ``D >= 1``)."""
    computed = sympy.sympify(claim.computed)
    if computed.atoms(sympy.Mod):
        raise UnsupportedFloor(f"{claim.why}: mod in a length")
    floors = list(computed.atoms(sympy.floor))
    if not floors:
        diff = sympy.expand(computed - claim.claimed)
        return [(f"{claim.why} (<=)", -diff), (f"{claim.why} (>=)", diff)]
    if len(floors) > 1:
        raise UnsupportedFloor(f"{claim.why}: several floors")
    f = floors[0]
    z = sympy.expand(claim.claimed - (computed - f))
    numer, denom = f.args[0].as_numer_denom()
    goals = [(f"{claim.why} (floor lower bound)", sympy.expand(numer - denom * z)),
             (f"{claim.why} (floor upper bound)", sympy.expand(denom * z + denom - 1 - numer))]
    if not (denom.is_Number and denom > 0):
        goals.append((f"{claim.why} (divisor >= 1)", sympy.expand(denom - 1)))
    return goals


def _obligations(sides: Sides, chain: list, closed: list, hyps: list) -> tuple[list, list]:
    """The length obligations and the R6 guard obligations; and any pairing problems."""
    base = tuple(hyps)
    found = [Obligation(sides.name, why, base, goal)
             for claim in sides.lengths for why, goal in _length_goals(claim)]
    pairing = pair_terms(chain, closed)
    hypotheses = set(hyps)
    for chain_term, closed_term in pairing.pairs:
        for gg in guard_goals(chain_term, closed_term, hypotheses):
            other = "chain-rule" if gg.side == "closed" else "closed-form"
            words = (f"{sides.name}: the {gg.side}-side guard [{gg.goal.text()}] ({gg.goal.why}) "
                     f"follows from H and the {other} guards")
            premises = base + gg.premises
            goals = [gg.goal.expr] if gg.goal.kind != EQ else [gg.goal.expr, -gg.goal.expr]
            found += [Obligation(sides.name, words, premises, sympy.expand(g)) for g in goals]
    return found, pairing.problems


def _discharge(obligations: list, searcher: Searcher) -> list[Checked]:
    checked = []
    for ob in obligations:
        cert = searcher.certify(ob)
        ok = cert is not None and certificate.check(ob, cert)
        checked.append(Checked(ob, ok, cert))
    return checked


def _failure_text(item: Checked) -> str:
    ob = item.obligation
    shown = relevant(ob.premises, ob.goal)
    return f"{ob.words}; no certificate for: {ob.statement(shown)}"


def prove_identity(name: str, axes, ch, hyps, formulas: Formulas, searcher) -> IdentityResult:
    start = time.perf_counter()
    sides = SIDE_BUILDERS[name](axes, ch, formulas)
    steps: dict = {"chain": [], "closed": []}
    chain = normal_form(sides.chain, steps["chain"])
    closed = normal_form(sides.closed, steps["closed"])
    obligations, problems = _obligations(sides, chain, closed, hyps + sides.query_ranges)
    checked = _discharge(obligations, searcher)
    failure = problems[0] if problems else None
    if failure is None:
        failure = next((_failure_text(c) for c in checked if not c.proven), None)
    return IdentityResult(name, sides.statement, len(obligations), time.perf_counter() - start,
                          failure is None, failure, steps, [term_text(t) for t in chain],
                          [term_text(t) for t in closed], checked, sides.query, chain, closed)


def prove_groups_lemma(ch, searcher) -> IdentityResult:
    """The flat channel index ``c = gamma*C + c'`` (``C`` channels per group) is a bijection
    ``[0, g-1] x [0, C-1] -> [0, g*C - 1]``: it lands in range and is injective (surjective by
    the division theorem), so the grouped-layout identities are the flat-layout ones."""
    start = time.perf_counter()
    obligations = []
    for per_group, label in ((ch.cin, "input"), (ch.cout, "output")):
        g1, g2, c1, c2 = (integer(f"{x}_{label[0]}") for x in ("gamma1", "gamma2", "cc1", "cc2"))
        sizes = list(channel_hypotheses(ch))
        one = sizes + [*in_range(g1, 0, ch.groups - 1, "group"),
                       *in_range(c1, 0, per_group - 1, "channel in group")]
        flat = g1 * per_group + c1
        obligations += [
            Obligation("groups", f"{label} channels: gamma*C + c' >= 0", tuple(one), flat),
            Obligation("groups", f"{label} channels: gamma*C + c' <= g*C - 1", tuple(one),
                       sympy.expand(ch.groups * per_group - 1 - flat))]
        two = one + [*in_range(g2, 0, ch.groups - 1, "group"),
                     *in_range(c2, 0, per_group - 1, "channel in group"),
                     eq(flat - g2 * per_group - c2, "same flat channel")]
        obligations += [
            Obligation("groups", f"{label} channels: same flat index => same group ({s})",
                       tuple(two), sympy.expand(sign * (g1 - g2)))
            for s, sign in (("<=", -1), (">=", 1))]
        three = two + [eq(g1 - g2, "same group (previous obligation)")]
        obligations += [
            Obligation("groups", f"{label} channels: same flat index => same channel ({s})",
                       tuple(three), sympy.expand(sign * (c1 - c2)))
            for s, sign in (("<=", -1), (">=", 1))]
    checked = _discharge(obligations, searcher)
    failure = next((_failure_text(c) for c in checked if not c.proven), None)
    return IdentityResult("groups", "flat channel c = gamma*C_group + c' is a bijection",
                          len(obligations), time.perf_counter() - start, failure is None,
                          failure, checked=checked)


def _axis_note(rank: int, identities: list) -> str:
    axes_seen = set()
    for item in identities:
        for c in item.checked:
            shown = relevant(c.obligation.premises, c.obligation.goal)
            symbols = set(c.obligation.goal.free_symbols).union(
                *(p.expr.free_symbols for p in shown))
            axes_seen.add(len({m.group(2) for m in map(_AXIS.match, map(str, symbols)) if m}))
    most = max(axes_seen, default=0)
    return (f"Axes: every obligation mentions at most {most} spatial axis; the rank-{rank} "
            f"proof is {rank} copies of the per-axis obligations (N-d is the product of axes).")


def prove_all_sizes(rank: int = 2, formulas: Formulas = DEFAULT_FORMULAS,
                    counterexample: bool = True) -> AllSizesResult:
    """Prove dW, dX and db for every size of a rank-``rank`` convolution (rank 1, 2 or 3).

    ``formulas`` supplies the padding/length functions and the closed-form recipe (default: the
    ones the instance pipeline uses). On failure, the smallest failing small layer found by the
    concrete checker is returned in ``counterexample`` (CLI-style options).
    """
    if rank not in (1, 2, 3):
        raise ValueError(f"rank must be 1, 2 or 3, got {rank!r}")
    start = time.perf_counter()
    searcher = Searcher()
    ch = make_channels()
    try:
        axes = make_axes(rank, formulas)
    except UnsupportedFloor as err:
        return _unsupported(rank, str(err), formulas, counterexample, start)
    hyps = [h for ax in axes for h in axis_hypotheses(ax)] + channel_hypotheses(ch)
    identities = []
    for name in ("dW", "dX", "db"):
        try:
            identities.append(prove_identity(name, axes, ch, hyps, formulas, searcher))
        except UnsupportedFloor as err:
            identities.append(IdentityResult(name, "", 0, 0.0, False, str(err)))
    lemmas = [prove_groups_lemma(ch, searcher)]
    proven = all(i.proven for i in identities + lemmas)
    example = None
    if not proven and counterexample:
        from symconv.allsizes.counterexample import smallest_counterexample
        example = smallest_counterexample(formulas, rank)
    return AllSizesResult(rank, proven, identities, lemmas, hypothesis_text(rank),
                          _axis_note(rank, identities), example, time.perf_counter() - start)


def _unsupported(rank, message, formulas, counterexample, start) -> AllSizesResult:
    from symconv.allsizes.counterexample import smallest_counterexample
    item = IdentityResult("sizes", "output_length and leftover by the division theorem", 0, 0.0,
                          False, message)
    example = smallest_counterexample(formulas, rank) if counterexample else None
    return AllSizesResult(rank, False, [item], [], hypothesis_text(rank), "", example,
                          time.perf_counter() - start)
