"""Worked examples: small integers put into a layer and the derived gradients evaluated there.

Every layer's ``worked_example(derivation)`` returns ``{"inputs": arrays by name,
"gradients": derived gradients by name}`` (``None`` when the layer is too large to show);
``tests/test_worked_examples.py`` runs the golden module's ``backward`` on the same arrays
and requires the same numbers. The helpers here turn those arrays into the displays of the
document: matrices of numbers (image 0, channel 0) and one entry worked out by hand.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm

import numpy as np

from symconv.algebra.polynomial import evaluate
from symconv.algebra.symbols import ZERO
from symconv.render.figures import plane
from symconv.render.text import (
    MATRIX_LIMIT,
    Notation,
    elided,
    matrix_latex,
    number_latex,
    wrap,
)

SIDE_BY_SIDE = 16
"""Number matrices share one display when together they have at most this many columns."""


def symbol_values(pairs) -> dict:
    """``{symbol: value}`` for ``(symbol array, numbers)`` pairs of the same shape."""
    values = {}
    for symbols, numbers in pairs:
        for symbol, index in symbols.index_of.items():
            values[symbol] = float(numbers[index])
    return values


def evaluate_all(gradients: dict[str, np.ndarray], values: dict) -> dict[str, np.ndarray]:
    """Every derived gradient polynomial evaluated at ``values``."""
    return {name: np.vectorize(lambda poly: evaluate(poly, values), otypes=[float])(grad)
            for name, grad in gradients.items()}


def slice_label(rank: int, depth: int) -> str:
    return f"[{depth},:,:]" if rank == 3 else ""


def matrices(notation: Notation, name: str, array: np.ndarray, rank: int,
             label=None, factor: str = "") -> list[str]:
    """Displays of ``name = factor bmatrix`` (image 0, channel 0); in 3-d one matrix per depth
    slice, ``name[t,:,:]``, two to a display, leaving out slices that hold only zeros (padding, said
    in the text) and eliding the middle of more than four slices with dots."""
    label = label or notation.entry
    spatial = array[(0,) * (array.ndim - rank)]
    if rank != 3:
        return [f"{name} = {factor}" + matrix_latex(plane(spatial, rank), label=label)]
    filled = [t for t in range(spatial.shape[0])
              if any(entry is not ZERO for entry in spatial[t].flat)] or [0]
    depths = filled if len(filled) <= 4 else [filled[0], filled[1], None, filled[-1]]
    shown = [r"\cdots" if t is None else
             f"{name}{slice_label(rank, t)} = {factor}" + matrix_latex(spatial[t], label=label)
             for t in depths]
    return [r" \qquad ".join(shown[k:k + 2]) for k in range(0, len(shown), 2)]


def exact_latex(value: float) -> str:
    r"""A number as LaTeX: an integer, a fraction with a small denominator, else 4 digits.

    >>> exact_latex(-3.0), exact_latex(-2 / 9), exact_latex(0.0900306)
    ('-3', '-\\tfrac{2}{9}', '0.09003')
    """
    share = Fraction(value).limit_denominator(100)
    if share.denominator == 1 or abs(float(share) - value) > 1e-12:
        return number_latex(value)
    sign = "-" if share < 0 else ""
    return rf"{sign}\tfrac{{{abs(share.numerator)}}}{{{share.denominator}}}"


def common_denominator(array: np.ndarray) -> int:
    """The least common denominator of the entries when they are fractions with small
    denominators (1 for integers or anything else).

    >>> common_denominator(np.array([1 / 3, 0.5, 2.0]))
    6
    """
    shares = [Fraction(float(v)).limit_denominator(100) for v in array.flat]
    if any(abs(float(s) - float(v)) > 1e-12 for s, v in zip(shares, array.flat)):
        return 1
    return lcm(*(s.denominator for s in shares)) if shares else 1


def number_matrices(named: list[tuple[str, np.ndarray]], rank: int,
                    notation: Notation | None = None) -> list[str]:
    """``name = bmatrix`` for each array (image 0, channel 0): of numbers, where fractions
    with a common denominator q are written ``1/q`` times a matrix of integers, or of entry
    names when ``notation`` is given. 1-d and 2-d arrays share one display when together they
    are at most :data:`SIDE_BY_SIDE` columns wide, else get one display each."""
    shown, columns = [], 0
    for name, array in named:
        if notation is None:
            q = common_denominator(array)
            factor = rf"\frac{{1}}{{{q}}}" if q > 1 else ""
            scaled = np.rint(np.asarray(array) * q) if q > 1 else array
            shown += matrices(Notation(), name, scaled, rank, exact_latex, factor)
        else:
            shown += matrices(notation, name, array, rank)
        spatial = plane(np.asarray(array)[(0,) * (array.ndim - rank)], rank)
        columns += len(elided(spatial.shape[1], MATRIX_LIMIT))
    return [r" \qquad ".join(shown)] if rank < 3 and columns <= SIDE_BY_SIDE else shown


def signed(value: float) -> str:
    """A number as a factor: negative ones in brackets."""
    return exact_latex(value) if value >= 0 else f"({exact_latex(value)})"


def by_hand(notation: Notation, lhs: str, poly: dict, values: dict) -> dict:
    """One derived entry written out: its terms, the same terms with the numbers put in, and
    the value (``lhs``, ``terms``, ``numbers``, ``value`` for ``_teaching.md.jinja``)."""
    items = sorted(poly.items(), key=lambda t: notation.key(t[0]))
    substituted = []
    for mono, coefficient in items:
        factor = "" if coefficient == 1 else signed(float(coefficient)) + r" \cdot "
        substituted.append(factor + r" \cdot ".join(signed(values[s]) for s in mono))
    return {"lhs": lhs, "terms": wrap(notation.sorted_terms(poly) or ["0"]),
            "numbers": wrap(substituted or ["0"], width=44),
            "value": exact_latex(evaluate(poly, values))}
