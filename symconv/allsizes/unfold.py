"""Both sides of dW, dX and db as guarded sums, in the grouped layout.

Layouts (grouped): ``X[b, gr, c, t...]``, ``W[gr, o, c, j...]``, ``G[b, gr, o, i...]``,
``bias[gr, o]`` with ``b < B``, ``gr < g``, ``c < Ci``, ``o < Co``.

* Chain-rule side: the forward pass ``O[b,gr,o,i] = bias[gr,o] + sum_{c,j} W[gr,o,c,j] *
  Xp[b,gr,c, window(i, j)]`` with ``Xp = pad(X, (pl, ph))``; every gradient is the derivative
  (rule R4) of ``<G, O> = sum G[b,gr,o,i] O[b,gr,o,i]``.
* Closed-form side, from the verbs with amounts read from the formulas:
  ``dW[gr,o,c,j] = sum_b corr(pad(X, weight_grad_padding), Gs; step d)[j]``,
  ``dX[b,gr,c,u] = sum_o corr(pad(Gs, input_grad_padding), rot180(W); dilation d)[u]``,
  ``db[gr,o] = sum_{b,i} G[b,gr,o,i]``, with ``Gs`` the stride-dilated G (a delta sum).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

import symconv.allsizes.indexmaps as im
from symconv.allsizes.formulas import Formulas
from symconv.allsizes.geometry import Axis, Channels
from symconv.allsizes.rules import derivative
from symconv.allsizes.terms import Term, in_range, integer, products


@dataclass(frozen=True)
class LengthClaim:
    """``computed == claimed``, where ``computed`` may contain one floor (a correlation length)."""

    why: str
    computed: sympy.Expr
    claimed: sympy.Expr


@dataclass
class Sides:
    """The two sides of one identity at the free entry ``query``."""

    name: str
    statement: str
    query: tuple
    query_ranges: list          # H6 literals
    chain: list                 # list[Term]
    closed: list                # list[Term]
    lengths: list = field(default_factory=list)   # list[LengthClaim]


def _spatial(axes: list[Axis], letter: str) -> tuple:
    return tuple(integer(f"{letter}_{ax.a}") for ax in axes)


def inner_product(axes: list[Axis], ch: Channels, f: Formulas, fresh: im.Fresh) -> list:
    """``<G, O>`` with the forward pass unfolded (R3 distributes the products)."""
    b, gr, o = fresh("b"), fresh("gr"), fresh("o")
    i = tuple(fresh("i") for _ in axes)
    ranges = [*in_range(b, 0, ch.batch - 1, "batch"), *in_range(gr, 0, ch.groups - 1, "group"),
              *in_range(o, 0, ch.cout - 1, "out-channel")]
    ranges += [g for x, ax in zip(i, axes) for g in in_range(x, 0, ax.m - 1, "output")]
    outer = Term(sympy.S.One, (b, gr, o, *i), tuple(ranges), (("G", (b, gr, o, *i)),))
    bias = Term(sympy.S.One, (), (), (("bias", (gr, o)),))
    xp = im.pad(im.array("X", tuple(ax.n for ax in axes)), tuple((ax.pl, ax.ph) for ax in axes))
    c = fresh("c")
    j = tuple(fresh("j") for _ in axes)
    taps = [*in_range(c, 0, ch.cin - 1, "in-channel")]
    taps += [g for x, ax in zip(j, axes) for g in in_range(x, 0, ax.k - 1, "kernel")]
    weight = Term(sympy.S.One, (c, *j), tuple(taps), (("W", (gr, o, c, *j)),))
    at = tuple(f.window(x, y, ax.s, ax.d) for x, y, ax in zip(i, j, axes))
    window = products([weight], im.inside(xp, (b, gr, c), at, "read inside Xp"))
    return products([outer], [bias, *window])


def _gs(axes, f: Formulas, fresh) -> im.View:
    g = im.array("G", tuple(ax.m for ax in axes))
    return im.dilate(g, tuple(ax.s for ax in axes), f.dilated_length, fresh)


def sides_dx(axes: list[Axis], ch: Channels, f: Formulas) -> Sides:
    fresh = im.Fresh()
    beta, gamma, c = integer("beta"), integer("gamma"), integer("c")
    u = _spatial(axes, "u")
    ranges = [*in_range(beta, 0, ch.batch - 1, "H6"), *in_range(gamma, 0, ch.groups - 1, "H6"),
              *in_range(c, 0, ch.cin - 1, "H6")]
    ranges += [g for x, ax in zip(u, axes) for g in in_range(x, 0, ax.n - 1, "H6")]
    chain = derivative(inner_product(axes, ch, f, fresh), "X", (beta, gamma, c, *u))

    amounts = tuple(tuple(sympy.expand(e) for e in
                          f.input_grad_padding(ax.k, ax.d, ax.pl, ax.ph, ax.left)) for ax in axes)
    gq = im.pad(_gs(axes, f, fresh), amounts)
    w = im.array("W", tuple(ax.k for ax in axes))
    wk = im.rot180(w) if f.rotate_kernel_in_dx else w
    o = fresh("o")
    corr = im.correlate(lambda at: im.inside(gq, (beta, gamma, o), at, "read inside Gq"),
                        lambda at: wk.read((gamma, o, c), at), wk.lengths,
                        tuple(1 for _ in axes), tuple(ax.d for ax in axes), u, fresh)
    closed = im.summed(o, 0, ch.cout - 1, corr, "out-channel")
    lengths = [LengthClaim(f"dX axis {ax.a}: length of the full convolution equals n_{ax.a}",
                           f.output_length(lq, ax.k, 1, ax.d, 0, 0), ax.n)
               for ax, lq in zip(axes, gq.lengths)]
    kernel = "rot180(W)" if f.rotate_kernel_in_dx else "W"
    statement = ("dL/dX[beta,gamma,c,u] = sum_o corr(pad(dilate_s(G[beta,gamma,o]), "
                 f"{_amounts(amounts, axes)}), {kernel}[gamma,o,c]; dilation d)[u]")
    return Sides("dX", statement, (beta, gamma, c, *u), ranges, chain, closed, lengths)


def sides_dw(axes: list[Axis], ch: Channels, f: Formulas) -> Sides:
    fresh = im.Fresh()
    gamma, o, c = integer("gamma"), integer("o"), integer("c")
    j = _spatial(axes, "j")
    ranges = [*in_range(gamma, 0, ch.groups - 1, "H6"), *in_range(o, 0, ch.cout - 1, "H6"),
              *in_range(c, 0, ch.cin - 1, "H6")]
    ranges += [g for x, ax in zip(j, axes) for g in in_range(x, 0, ax.k - 1, "H6")]
    chain = derivative(inner_product(axes, ch, f, fresh), "W", (gamma, o, c, *j))

    amounts = tuple(tuple(sympy.expand(e) for e in f.weight_grad_padding(ax.pl, ax.ph, ax.left))
                    for ax in axes)
    xq = im.pad(im.array("X", tuple(ax.n for ax in axes)), amounts)
    gd = _gs(axes, f, fresh) if f.dilate_g_in_dw else im.array("G", tuple(ax.m for ax in axes))
    b = fresh("b")
    # corr(Xq, Gd; step d)[j] = sum_{t in [0, len(Gd) - 1]} Xq[d*j + t] * Gd[t]
    corr = im.correlate(lambda at: im.inside(xq, (b, gamma, c), at, "read inside Xq"),
                        lambda at: gd.read((b, gamma, o), at), gd.lengths,
                        tuple(ax.d for ax in axes), tuple(1 for _ in axes), j, fresh, "t")
    closed = im.summed(b, 0, ch.batch - 1, corr, "batch")
    lengths = [LengthClaim(f"dW axis {ax.a}: length of the valid correlation equals k_{ax.a}",
                           f.output_length(lx, lg, ax.d, 1, 0, 0), ax.k)
               for ax, lx, lg in zip(axes, xq.lengths, gd.lengths)]
    g_text = "dilate_s(G[b,gamma,o])" if f.dilate_g_in_dw else "G[b,gamma,o]"
    statement = (f"dL/dW[gamma,o,c,j] = sum_b corr(pad(X[b,gamma,c], {_amounts(amounts, axes)}), "
                 f"{g_text}; step d)[j]")
    return Sides("dW", statement, (gamma, o, c, *j), ranges, chain, closed, lengths)


def sides_db(axes: list[Axis], ch: Channels, f: Formulas) -> Sides:
    fresh = im.Fresh()
    gamma, o = integer("gamma"), integer("o")
    ranges = [*in_range(gamma, 0, ch.groups - 1, "H6"), *in_range(o, 0, ch.cout - 1, "H6")]
    chain = derivative(inner_product(axes, ch, f, fresh), "bias", (gamma, o))
    b = fresh("b")
    i = tuple(fresh("i") for _ in axes)
    guards = [*in_range(b, 0, ch.batch - 1, "batch")]
    guards += [g for x, ax in zip(i, axes) for g in in_range(x, 0, ax.m - 1, "output")]
    closed = [Term(sympy.S.One, (b, *i), tuple(guards), (("G", (b, gamma, o, *i)),))]
    statement = "dL/dbias[gamma,o] = sum_{b,i} G[b,gamma,o,i] (i over output_length per axis)"
    return Sides("db", statement, (gamma, o), ranges, chain, closed, [])


def _amounts(amounts, axes) -> str:
    """Padding amounts per axis in words, with ``K_a`` for ``d_a*(k_a - 1) + 1``."""
    parts = []
    for (lo, hi), ax in zip(amounts, axes):
        big = integer(f"K_{ax.a}")
        named = [sympy.expand(x).subs(ax.d * ax.k, big + ax.d - 1) for x in (lo, hi)]
        parts.append(f"({sympy.sstr(named[0])}, {sympy.sstr(named[1])})")
    return " x ".join(parts)


SIDE_BUILDERS = {"dW": sides_dw, "dX": sides_dx, "db": sides_db}
