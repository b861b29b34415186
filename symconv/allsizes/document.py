"""What the all-sizes document shows: a proven :class:`AllSizesResult` as LaTeX math strings.

Pure data for ``derivation.md.jinja`` in this folder (rendered by :mod:`symconv.api`, which owns
the presentation): every expression is typeset from the objects the proof used — the
hypotheses, the padding amounts read from the formulas, the unfolded sides, the rule steps,
the normal forms, and each obligation with its re-checked certificate. No timings, so the same
proof gives the same bytes.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import sympy

from symconv.allsizes.formulas import Formulas
from symconv.allsizes.geometry import (
    axis_hypotheses,
    channel_hypotheses,
    make_axes,
    make_channels,
)
from symconv.allsizes.obligations import relevant
from symconv.allsizes.terms import EQ, Literal, Term, negation
from symconv.allsizes.unfold import SIDE_BUILDERS

ALL_SIZES_FOLDER = Path(__file__).resolve().parent
"""The folder of ``derivation.md.jinja`` (the all-sizes document template)."""

LINE = 58
"""Visible characters of math per display line before it is broken (fits an 11pt page)."""

_GREEK = {"gamma": r"\gamma", "beta": r"\beta"}
_NAMED = {"pl": r"p^{\mathrm{lo}}", "ph": r"p^{\mathrm{hi}}", "Ci": r"C'_{\mathrm{in}}",
          "Co": r"C'_{\mathrm{out}}", "gr": r"\mathit{gr}", "cc": "c'", **_GREEK}
_ARRAYS = {"G": "G", "W": "W", "X": "X", "bias": "b"}
_WHY = {"R4": "R4 (derivative)", "H6": "H6 (entry in range)", "dilate": "dilation",
        "correlation": "correlation range", "pad": "padding", "output": "output range",
        "kernel": "kernel range", "batch": "batch range", "group": "group range",
        "out-channel": "out-channel range", "in-channel": "in-channel range"}


class NotProvenError(RuntimeError):
    """The all-sizes document is only written from a proven result."""


def _base(name: str) -> str:
    return _NAMED.get(name, name if len(name) == 1 else rf"\mathit{{{name}}}")


def symbol_tex(name: str, axis: str | None = None) -> str:
    """LaTeX for a symbol name of the proof (``pl_1``, ``i'9``, ``gamma1_i``, ``b'``...).

    >>> symbol_tex("pl_2"), symbol_tex("i'9"), symbol_tex("gamma1_o"), symbol_tex("n_1", "a")
    ('p^{\\\\mathrm{lo}}_{2}', '\\\\tilde{i}_{9}', '\\\\gamma_{1}', 'n_{a}')
    """
    fresh = re.fullmatch(r"([A-Za-z]+)'(\d+)", name)
    if fresh:
        return rf"\tilde{{{_base(fresh.group(1))}}}_{{{fresh.group(2)}}}"
    lemma = re.fullmatch(r"([A-Za-z]+)(\d)_([io])", name)
    if lemma:
        return f"{_base(lemma.group(1))}_{{{lemma.group(2)}}}"
    primed = re.fullmatch(r"(.*?)('+)", name)
    if primed and primed.group(1):
        return "{" + symbol_tex(primed.group(1), axis) + "}" + primed.group(2)
    indexed = re.fullmatch(r"([A-Za-z]+)_(\d+)", name)
    if indexed:
        base = _base(indexed.group(1))
        sub = axis or indexed.group(2)
        if base.startswith("p^"):
            return f"{base}_{{{sub}}}"
        return f"{base}_{{{sub}}}"
    return _base(name)


def tex(expr, axis: str | None = None) -> str:
    """An integer polynomial of the proof as LaTeX (products by juxtaposition)."""
    expr = sympy.sympify(expr)
    names = {s: symbol_tex(s.name, axis) for s in expr.free_symbols}
    return sympy.latex(expr, symbol_names=names, mul_symbol=None, order="lex")


def relation(literal: Literal, axis: str | None = None) -> str:
    """``e >= 0`` or ``e = 0`` with the negative terms moved right: ``q_1 \\ge i_1``."""
    expr = sympy.expand(literal.expr)
    left, right = sympy.S.Zero, sympy.S.Zero
    for term in sympy.Add.make_args(expr):
        if term.could_extract_minus_sign():
            right -= term
        else:
            left += term
    op = "=" if literal.kind == EQ else r"\ge"
    return f"{tex(left, axis)} {op} {tex(right, axis)}"


def _visible(latex: str) -> int:
    """A rough printed width: commands count as one character, braces and scripts less."""
    text = re.sub(r"\\(mathrm|mathit|text|tilde)\b", "", latex)
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    text = re.sub(r"[_^]\{([^{}]*)\}", lambda m: m.group(1)[: max(1, len(m.group(1)) // 2)], text)
    return len(re.sub(r"[{}\s]", "", text))


def pack(pieces: list[str], first: int = LINE, width: int = LINE) -> list[str]:
    """Greedy lines of pieces, each at most ``width`` visible characters (the first ``first``)."""
    lines, current, budget = [], "", first
    for piece in pieces:
        if current and _visible(current + piece) > budget:
            lines.append(current)
            current, budget = "", width
        current += piece
    if current:
        lines.append(current)
    return lines


def factor_tex(factor, axis=None) -> str:
    name, idx = factor
    return f"{_ARRAYS.get(name, name)}[{', '.join(tex(e, axis) for e in idx)}]"


def guard_tex(literal: Literal) -> str:
    return rf"[\,{relation(literal)}\,]"


def term_lines(term: Term, lhs: str = "", guards: tuple | None = None) -> list[str]:
    """A guarded sum as aligned display lines: the sum and its summand, then the guards."""
    coeff = "" if term.coeff == 1 else tex(term.coeff) + r"\,"
    bound = ", ".join(symbol_tex(v.name) for v in term.bound)
    head = (rf"\sum_{{{bound}}} " if bound else "") + coeff
    factors = [factor_tex(f) + r"\," for f in term.factors] or ["1"]
    shown = term.guards if guards is None else guards
    heads = pack([head, *factors])
    lines = [f"{lhs} & {heads[0]}" if lhs else f"& {heads[0]}"]
    lines += [f"& \\quad {line}" for line in heads[1:]]
    pieces = [guard_tex(g) for g in shown]
    for k, line in enumerate(pack(pieces)):
        lines.append(("& \\quad\\cdot " if k == 0 else "& \\quad ") + line)
    return lines


def aligned(lines: list[str]) -> str:
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


# --- the rule steps (strings recorded by symconv.allsizes.rules) -----------------------------

_STEP_R1 = re.compile(r"R1 delta: sum over (\S+) with \[(.*) (=|>=) 0\] -> (\S+) = (.*)")
_STEP_R2 = re.compile(r"R2 reindex: (\S+) = (.*)")


def _parse(text: str) -> sympy.Expr:
    names = sorted(set(re.findall(r"[A-Za-z][A-Za-z0-9_]*(?:'\d+|'+)?", text)), key=len,
                   reverse=True)
    local, safe = {}, text
    for k, name in enumerate(names):
        token = f"zz{k}zz"
        safe = re.sub(rf"(?<![A-Za-z0-9_']){re.escape(name)}(?![A-Za-z0-9_'])", token, safe)
        local[token] = sympy.Symbol(name, integer=True)
    return sympy.parse_expr(safe, local_dict=local, evaluate=True)


def step_tex(step: str) -> str:
    r"""One rule application as an inline formula.

    >>> print(step_tex("R2 reindex: j'8 = -j_1 + k_1 - 1"))
    R2 reindex: $\tilde{j}_{8} = - j_{1} + k_{1} - 1$
    """
    r1 = _STEP_R1.match(step)
    if r1:
        v, expr, op, _, w = r1.groups()
        literal = Literal(EQ if op == "=" else "ge", _parse(expr))
        return (rf"R1 delta: $\sum_{{{symbol_tex(v)}}} [\,{relation(literal)}\,]\,F"
                rf" = F|_{{{symbol_tex(v)} = {tex(_parse(w))}}}$")
    r2 = _STEP_R2.match(step)
    if r2:
        return f"R2 reindex: ${symbol_tex(r2.group(1))} = {tex(_parse(r2.group(2)))}$"
    return f"`{step}`"


# --- obligations and certificates --------------------------------------------------------------

def _fraction(w: Fraction) -> str:
    if w.denominator == 1:
        return str(w.numerator)
    sign = "-" if w < 0 else ""
    return rf"{sign}\tfrac{{{abs(w.numerator)}}}{{{w.denominator}}}"


def _source(expr, obligation, kind: str) -> str:
    expanded = sympy.expand(expr)
    if kind != EQ and expanded == negation(obligation.goal):
        return "negated goal"
    for p in obligation.premises:
        if p.kind == kind and (p.expr == expanded or (kind == EQ and p.expr == -expanded)):
            why = p.why or "premise"
            return _WHY.get(why, why if why.startswith("H") else f"guard: {why}")
    return "premise"


def certificate_lines(checked) -> list[str]:
    """The certificate as aligned lines ``+ w (fact)(fact)`` with where each fact comes from,
    and the sum, a negative number."""
    ob, cert = checked.obligation, checked.certificate
    lines = []
    for k, item in enumerate(cert.items):
        weight = _fraction(item.weight)
        mult = "" if item.multiplier == 1 else f"({tex(item.multiplier)})"
        facts = "".join(f"({tex(f)})" for f in item.factors) or "1"
        kind = EQ if item.kind == EQ else "ge"
        sources = ", ".join(_source(f, ob, kind) for f in item.factors) or "constant"
        op = "" if k == 0 else "+"
        coeff = "" if weight == "1" and mult else (weight + r"\cdot" if mult or facts != "1"
                                                    else weight)
        body = f"{coeff}{mult}{facts}" if facts != "1" else weight
        lines.append(rf"{op} & {body} && \text{{{sources}}}")
    lines.append(rf"= & {tex(cert.total())} && \text{{sum (expanded)}}")
    return lines


def obligation_context(checked, number: int) -> dict:
    ob = checked.obligation
    words = ob.words.split(": ", 1)[-1] if ob.words.startswith(ob.identity) else ob.words
    goal = Literal("ge", ob.goal)
    shown = relevant(ob.premises, ob.goal)
    return {"number": number, "words": _words(words), "goal": relation(goal),
            "premises": len(shown),
            "certificate": aligned(["& " + r"\text{certificate}" + r" && \text{fact from}"]
                                   + certificate_lines(checked))}


def _words(text: str) -> str:
    """Obligation words with the guard (the bracketed literal) left out: it is shown as math."""
    text = re.sub(r"\s*\[[^\]]*\]", "", text).replace("  ", " ")
    text = text.replace("(<=)", "(at most)").replace("(>=)", "(at least)")
    text = re.sub(r"\b([a-z])_(\d+)\b", r"$\1_{\2}$", text)
    text = text.replace("gamma*C + c'", "$\\gamma C' + c'$").replace("g*C - 1", "$g C' - 1$")
    return text.replace(" <= ", " $\\le$ ").replace(" >= ", " $\\ge$ ").replace("=>", "implies")


# --- the identities ----------------------------------------------------------------------------

_LHS = {"dW": (r"\frac{\partial L}{\partial W}", "W"),
        "dX": (r"\frac{\partial L}{\partial X}", "X"),
        "db": (r"\frac{\partial L}{\partial b}", "bias")}


def _query_tex(query) -> str:
    return ", ".join(tex(q) for q in query)


def identity_context(item, axes, channels, formulas: Formulas) -> dict:
    sides = SIDE_BUILDERS[item.name](axes, channels, formulas)
    lhs, array = _LHS[item.name]
    entry = f"{lhs}[{_query_tex(item.query)}]"
    unfolded_chain = [aligned(term_lines(t)) for t in sides.chain]
    unfolded_closed = [aligned(term_lines(t)) for t in sides.closed]
    hyps = {h for ax in axes for h in axis_hypotheses(ax)}
    hyps |= set(channel_hypotheses(channels)) | set(sides.query_ranges)
    pairs = []
    closed_by_factors = {t.factors: t for t in item.closed_terms}
    for chain in item.chain_terms:
        closed = closed_by_factors[chain.factors]
        common = tuple(g for g in chain.guards if g in set(closed.guards))
        only_chain = tuple(g for g in chain.guards if g not in set(closed.guards))
        only_closed = tuple(g for g in closed.guards if g not in set(chain.guards))
        in_h = [g for g in only_chain + only_closed if g in hyps]
        pairs.append({
            "summand": aligned(term_lines(Term(chain.coeff, chain.bound, (), chain.factors),
                                          entry + " = {}")),
            "common": aligned(["& " + line for line in pack([guard_tex(g) for g in common])])
            if common else "",
            "chain_only": [relation(g) for g in only_chain if g not in hyps],
            "closed_only": [relation(g) for g in only_closed if g not in hyps],
            "in_h": [relation(g) for g in in_h]})
    lengths = [c for c in item.checked if "length" in c.obligation.words]
    guards = [c for c in item.checked if "length" not in c.obligation.words]
    return {"name": item.name, "array": array, "entry": entry, "obligations": item.obligations,
            "chain_steps": [step_tex(s) for s in item.steps.get("chain", [])],
            "closed_steps": [step_tex(s) for s in item.steps.get("closed", [])],
            "unfolded_chain": unfolded_chain, "unfolded_closed": unfolded_closed,
            "pairs": pairs,
            "lengths": [obligation_context(c, k + 1) for k, c in enumerate(lengths)],
            "guards": [obligation_context(c, len(lengths) + k + 1) for k, c in enumerate(guards)]}


def _amounts(pair, ax) -> str:
    big = sympy.Symbol(f"K_{ax.a}", integer=True)
    named = [sympy.expand(x).subs(ax.d * ax.k, big + ax.d - 1) for x in pair]
    return f"({tex(named[0], 'a')},\\; {tex(named[1], 'a')})"


def statement_context(rank: int, formulas: Formulas) -> dict:
    """The hypotheses as the prover states them (axis a generic) and the padding amounts."""
    ax = make_axes(1, formulas)[0]
    by_label: dict = {}
    for literal in axis_hypotheses(ax) + channel_hypotheses(make_channels()):
        by_label.setdefault(literal.why, []).append(relation(literal, "a"))
    dw = formulas.weight_grad_padding(ax.pl, ax.ph, ax.left)
    dx = formulas.input_grad_padding(ax.k, ax.d, ax.pl, ax.ph, ax.left)
    gq = [sympy.expand(e) for e in dx]
    length_gq = sympy.expand(formulas.dilated_length(ax.m, ax.s) + gq[0] + gq[1])
    # len(Gq) = n + K - 1 exactly by the division theorem (H4): the difference is its equation
    h4 = sympy.expand(ax.excess - ax.s * ax.q - ax.r)
    target = sympy.expand(ax.n + ax.big_k - 1)
    return {"rank": rank, "hypotheses": by_label,
            "big_k": tex(ax.big_k, "a"), "m": tex(ax.m, "a"), "r": tex(ax.left, "a"),
            "dw_pad": _amounts(dw, ax), "dx_pad": _amounts(dx, ax),
            "gq_length": tex(length_gq, "a"), "gq_target": tex(target, "a"),
            "gq_needs_h4": sympy.expand(length_gq - target + h4) == 0
            or sympy.expand(length_gq - target - h4) == 0,
            "rotated": formulas.rotate_kernel_in_dx, "dilated": formulas.dilate_g_in_dw}


def document_context(result, formulas: Formulas) -> dict:
    """Everything ``derivation.md.jinja`` prints, for a proven rank-R result."""
    if not result.proven:
        raise NotProvenError(f"the all-sizes proof of rank {result.rank} failed; "
                             "nothing is rendered from a failed proof")
    axes = make_axes(result.rank, formulas)
    channels = make_channels()
    identities = [identity_context(i, axes, channels, formulas) for i in result.identities]
    lemma = result.lemmas[0]
    return {"title": f"The convolution gradients for all sizes (rank {result.rank})",
            **statement_context(result.rank, formulas),
            "identities": identities,
            "groups": [obligation_context(c, k + 1) for k, c in enumerate(lemma.checked)],
            "groups_count": lemma.obligations,
            "axis_note": result.axis_note,
            "table": [(i.name, i.obligations) for i in result.identities + result.lemmas],
            "total": sum(i.obligations for i in result.identities + result.lemmas)}
