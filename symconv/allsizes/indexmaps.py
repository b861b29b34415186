"""The verbs as index maps on symbolic-length arrays (DESIGN §4 verbs, ALLSIZES "index maps").

A :class:`View` is an array of symbolic spatial lengths whose entry at a symbolic index is a
sum of guarded terms. Leading (batch/channel) indices pass through unchanged.

* ``array``:   ``A[e]`` is the single factor ``A[e]``.
* ``pad``:     ``pad(A, a, b)[t] = [0 <= t - a <= len - 1] A[t - a]`` (a negative amount crops).
* ``dilate``:  ``As[t] = sum_i [t - s*i = 0][0 <= i <= len - 1] A[i]`` — a delta sum, so nothing
  is ever divided by the symbolic stride.
* ``rot180``:  ``rot180(A)[j] = A[len - 1 - j]``.
* ``correlate``: ``corr(A, B; step, dil)[u] = sum_{j in [0, lenB - 1]} A[step*u + dil*j] B[j]``
  (the caller reads A with :func:`inside`, so every read states that it is in range).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy

from symconv.allsizes.terms import Term, eq, in_range, integer, products


class Fresh:
    """Fresh bound-variable names ``hint'1``, ``hint'2``, ... (renamed later by rule R2)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, hint: str) -> sympy.Symbol:
        self.count += 1
        return integer(f"{hint}'{self.count}")


Reader = Callable[[tuple, tuple], list]   # (lead indices, spatial indices) -> list[Term]


@dataclass(frozen=True)
class View:
    """An array with symbolic spatial ``lengths`` and an index map ``read(lead, spatial)``."""

    lengths: tuple
    read: Reader


def array(name: str, lengths: tuple) -> View:
    """The named array itself: one factor, no guard."""
    def read(lead, spatial):
        return [Term(sympy.S.One, (), (), ((name, tuple(lead) + tuple(spatial)),))]
    return View(tuple(lengths), read)


def pad(view: View, amounts: tuple) -> View:
    """``pad(A, a, b)[t] = [0 <= t - a <= len - 1] A[t - a]``, length ``len + a + b``."""
    lengths = tuple(sympy.expand(n + lo + hi) for n, (lo, hi) in zip(view.lengths, amounts))

    def read(lead, spatial):
        inner = tuple(t - lo for t, (lo, _) in zip(spatial, amounts))
        guards = [g for x, n in zip(inner, view.lengths) for g in in_range(x, 0, n - 1, "pad")]
        return [term.with_guards(*guards) for term in view.read(lead, inner)]
    return View(lengths, read)


def dilate(view: View, steps: tuple, dilated_length: Callable, fresh: Fresh) -> View:
    """``As[t] = sum_i [t - s*i = 0][0 <= i <= len - 1] A[i]``.

    Its length is ``dilated_length(len, s)`` = ``s*(len - 1) + 1``.
    """
    lengths = tuple(sympy.expand(dilated_length(n, s)) for n, s in zip(view.lengths, steps))

    def read(lead, spatial):
        bound = tuple(fresh("i") for _ in spatial)
        guards = []
        for t, s, i, n in zip(spatial, steps, bound, view.lengths):
            guards += [eq(t - s * i, "dilate"), *in_range(i, 0, n - 1, "dilate")]
        delta = Term(sympy.S.One, bound, tuple(guards), ())
        return products([delta], view.read(lead, bound))
    return View(lengths, read)


def rot180(view: View) -> View:
    """``rot180(A)[j] = A[len - 1 - j]`` on every spatial axis."""
    def read(lead, spatial):
        return view.read(lead, tuple(n - 1 - j for j, n in zip(spatial, view.lengths)))
    return View(view.lengths, read)


def inside(view: View, lead: tuple, spatial: tuple, why: str) -> list:
    """A read that states it stays inside the array: ``[0 <= t <= len - 1] A[t]``."""
    guards = [g for t, n in zip(spatial, view.lengths) for g in in_range(t, 0, n - 1, why)]
    return [term.with_guards(*guards) for term in view.read(lead, spatial)]


def correlate(a_read: Callable, b_read: Callable, b_lengths: tuple, step: tuple, dil: tuple,
              u: tuple, fresh: Fresh, hint: str = "j") -> list:
    """``sum_{j in [0, lenB - 1]} A[step*u + dil*j] * B[j]``.

    ``a_read`` and ``b_read`` take spatial indices only (their leading indices are fixed).
    """
    bound = tuple(fresh(hint) for _ in u)
    guards = [g for j, n in zip(bound, b_lengths) for g in in_range(j, 0, n - 1, "correlation")]
    outer = Term(sympy.S.One, bound, tuple(guards), ())
    at = tuple(st * x + dl * j for st, x, dl, j in zip(step, u, dil, bound))
    return products(products([outer], a_read(at)), b_read(bound))


def summed(var: sympy.Symbol, lo, hi, terms: list, why: str) -> list:
    """``sum_{var in [lo, hi]} terms`` (rule R5: the range becomes two guards)."""
    outer = Term(sympy.S.One, (var,), in_range(var, lo, hi, why), ())
    return products([outer], terms)
