"""Symbols of a rank-R layer and the hypotheses H every size satisfies.

Per axis ``a``: ``n_a, k_a, s_a, d_a, pl_a, ph_a`` (padding low/high) and the quotient and
remainder of the division theorem ``n + pl + ph - K = s*q + r`` with ``0 <= r <= s-1``,
``q >= 0``. Floor and mod appear nowhere else: :func:`division_normal_form` replaces
``floor((n+pl+ph-K)/s)`` by ``q`` and ``Mod(n+pl+ph-K, s)`` by ``r``.

Channels: ``B`` batch, ``g`` groups, ``Ci``/``Co`` input/output channels per group
(``C_in = g*Ci``, ``C_out = g*Co``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from symconv.allsizes.formulas import Formulas
from symconv.allsizes.terms import Literal, eq, ge, integer


@dataclass(frozen=True)
class Axis:
    """One spatial axis: its size symbols and the lengths read from the formulas."""

    a: int
    n: sympy.Symbol
    k: sympy.Symbol
    s: sympy.Symbol
    d: sympy.Symbol
    pl: sympy.Symbol
    ph: sympy.Symbol
    q: sympy.Symbol
    r: sympy.Symbol
    big_k: sympy.Expr    # effective_kernel(k, d)
    m: sympy.Expr        # output_length(...) in division normal form (q + 1)
    left: sympy.Expr     # leftover(...) in division normal form (r)

    @property
    def excess(self) -> sympy.Expr:
        """``n + pl + ph - K``, the quantity divided by the stride."""
        return sympy.expand(self.n + self.pl + self.ph - self.big_k)


class UnsupportedFloor(ValueError):
    """A floor or mod that is not the division of ``n + pl + ph - K`` by ``s``."""


def division_normal_form(expr, axes: list[Axis]) -> sympy.Expr:
    """Replace ``floor((n+pl+ph-K)/s)`` by ``q`` and ``Mod(n+pl+ph-K, s)`` by ``r``.

    Sound by the division theorem ``n+pl+ph-K = s*q + r``, ``0 <= r <= s-1`` (hypothesis H4).
    Any other floor or mod raises :class:`UnsupportedFloor`.

    >>> from symconv.algebra.arithmetic import leftover, output_length
    >>> from symconv.allsizes.formulas import DEFAULT_FORMULAS
    >>> ax = make_axes(1, DEFAULT_FORMULAS)[0]
    >>> args = (ax.n, ax.k, ax.s, ax.d, ax.pl, ax.ph)
    >>> [division_normal_form(f(*args), [ax]) for f in (output_length, leftover)]
    [q_1 + 1, r_1]
    """
    expr = sympy.sympify(expr)
    mapping = {}
    for atom in expr.atoms(sympy.floor, sympy.Mod):
        if isinstance(atom, sympy.floor):
            numer, denom = atom.args[0].as_numer_denom()
        else:
            numer, denom = atom.args
        for axis in axes:
            if denom == axis.s and sympy.expand(numer - axis.excess) == 0:
                mapping[atom] = axis.q if isinstance(atom, sympy.floor) else axis.r
                break
        else:
            raise UnsupportedFloor(f"{atom} is not floor/mod of n+p_lo+p_hi-K by s")
    return sympy.expand(expr.xreplace(mapping))


def make_axes(rank: int, formulas: Formulas) -> list[Axis]:
    """The symbols of each axis, with ``K``, ``m`` and ``r`` read from the formulas."""
    axes = []
    for a in range(1, rank + 1):
        n, k, s, d, pl, ph, q, r = (integer(f"{x}_{a}") for x in
                                    ("n", "k", "s", "d", "pl", "ph", "q", "r"))
        big_k = sympy.expand(formulas.effective_kernel(k, d))
        raw = Axis(a, n, k, s, d, pl, ph, q, r, big_k, sympy.S.Zero, sympy.S.Zero)
        m = division_normal_form(formulas.output_length(n, k, s, d, pl, ph), [raw])
        left = division_normal_form(formulas.leftover(n, k, s, d, pl, ph), [raw])
        axes.append(Axis(a, n, k, s, d, pl, ph, q, r, big_k, m, left))
    return axes


@dataclass(frozen=True)
class Channels:
    batch: sympy.Symbol
    groups: sympy.Symbol
    cin: sympy.Symbol     # input channels per group
    cout: sympy.Symbol    # output channels per group


def make_channels() -> Channels:
    return Channels(*(integer(x) for x in ("B", "g", "Ci", "Co")))


def axis_hypotheses(axis: Axis) -> list[Literal]:
    """H1-H4 for one axis: sizes positive, paddings non-negative, the division theorem."""
    n, k, s, d, pl, ph, q, r = (axis.n, axis.k, axis.s, axis.d, axis.pl, axis.ph, axis.q, axis.r)
    return [ge(n - 1, "H1"), ge(k - 1, "H1"), ge(s - 1, "H1"), ge(d - 1, "H1"),
            ge(pl, "H2"), ge(ph, "H2"),
            eq(axis.excess - s * q - r, "H4"), ge(q, "H4"), ge(r, "H4"), ge(s - 1 - r, "H4")]


def channel_hypotheses(ch: Channels) -> list[Literal]:
    """H5: batch, groups and channels per group are at least 1."""
    return [ge(ch.batch - 1, "H5"), ge(ch.groups - 1, "H5"), ge(ch.cin - 1, "H5"),
            ge(ch.cout - 1, "H5")]


def hypothesis_text(rank: int) -> list[str]:
    """The labelled hypotheses, in words (axis index a = 1..rank)."""
    axes = ", ".join(str(a) for a in range(1, rank + 1))
    return [
        f"(H1) for every axis a in {{{axes}}}: n_a >= 1, k_a >= 1, s_a >= 1, d_a >= 1",
        "(H2) p_lo_a >= 0, p_hi_a >= 0 (pl_a, ph_a)",
        "(H3) K_a = effective_kernel(k_a, d_a) = d_a*(k_a - 1) + 1 <= n_a + p_lo_a + p_hi_a",
        "(H4) division theorem: n_a + p_lo_a + p_hi_a - K_a = s_a*q_a + r_a, q_a >= 0, "
        "0 <= r_a <= s_a - 1; output_length(...) = q_a + 1 and leftover(...) = r_a "
        "(H3 follows from H4)",
        "(H5) batch B >= 1, groups g >= 1, C_in = g*Ci, C_out = g*Co with Ci, Co >= 1 "
        "(channels per group), all symbolic",
        "(H6) the gradient entry asked for is inside its array (each index in its range)",
    ]
