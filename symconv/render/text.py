"""LaTeX strings from symbols and polynomials: sums, matrices and escaping.

Symbol names are already LaTeX (``X_{1,2}``), so a term prints by joining names — no SymPy
printer on the hot path, which keeps a 32x32 document well under a second.
"""

from __future__ import annotations

import re

import numpy as np

from symconv.algebra.polynomial import Polynomial
from symconv.algebra.symbols import ZERO

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
            "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
            "<": r"\textless{}", ">": r"\textgreater{}"}

LINE_CHARACTERS = 40
"""A displayed line holds terms up to this printed width (about 12 cm)."""
MAX_TERMS_SHOWN = 12
MATRIX_LIMIT = 9


def escape(text: str) -> str:
    r"""Text safe to place in LaTeX: every special character is escaped.

    >>> print(escape(r"50% of $x_1 & {y}\z > 0"))
    50\% of \$x\_1 \& \{y\}\textbackslash{}z \textgreater{} 0
    """
    return "".join(_SPECIAL.get(char, char) for char in text)


def symbol_key(order: dict):
    """Sort key for monomials: ``order`` maps a symbol to ``(array rank, index)``."""
    def key(mono):
        return tuple(sorted(order[symbol] for symbol in mono))
    return key


def term_latex(mono: tuple, coefficient) -> str:
    """``W_{0,0} X_{1,1}``; a coefficient other than 1 is written in front."""
    product = " ".join(symbol.name for symbol in mono) or "1"
    if coefficient == 1:
        return product
    if coefficient == -1:
        return f"-{product}"
    number = (rf"\tfrac{{{coefficient.numerator}}}{{{coefficient.denominator}}}"
              if getattr(coefficient, "denominator", 1) != 1 else str(coefficient))
    return f"{number}\\, {product}" if mono else number


def sum_lines(poly: Polynomial, key) -> tuple[list[str], int]:
    """The terms of ``poly`` in ``key`` order as LaTeX lines of a few terms each.

    Long sums keep their first and last terms around a ``\\cdots``; the count is returned so
    the reader knows what was left out.
    """
    terms = [term_latex(mono, c) for mono, c in sorted(poly.items(), key=lambda t: key(t[0]))]
    count = len(terms)
    if not terms:
        return ["0"], 0
    if count > MAX_TERMS_SHOWN:
        terms = terms[:4] + [r"\cdots"] + terms[-2:]
    return wrap(terms), count


def printed_width(latex: str) -> float:
    """Approximate printed width in units of one italic capital (about 0.3 cm at 11pt).

    Script characters count 0.6, a stacked super- and subscript takes the wider of the two,
    a binary ``+`` with its spaces 1.7, a command such as ``\\cdot`` one unit.

    >>> printed_width("G_{0,0} X_{0,0}"), printed_width("G^{(0)}_{1,2} X^{(0)}_{0,3}")
    (5.6, 5.6)
    >>> printed_width("a + b")
    3.7
    """
    def stacked(match):
        return "~" * max(len(match.group(1)), len(match.group(2)))

    text = re.sub(r"\^\{([^}]*)\}_\{([^}]*)\}", stacked, latex)
    text = re.sub(r"[_^]\{([^}]*)\}", lambda m: "~" * len(m.group(1)), text)
    text = re.sub(r"\\[A-Za-z]+", "#", text).replace(" ", "").replace("{", "").replace("}", "")
    pluses = text.count("+")
    scripts = text.count("~")
    return round(len(text) - pluses - scripts + 1.7 * pluses + 0.6 * scripts, 2)


def wrap(terms: list[str], width: int = LINE_CHARACTERS, separator: str = " + ") -> list[str]:
    """Join terms with ``separator`` into lines of at most ``width`` printed characters (one
    term may exceed it alone); lines end without the separator.

    >>> wrap(["a", "b", "c"], width=4)
    ['a + b', 'c']
    """
    lines, current = [], []
    for term in terms:
        if current and printed_width(separator.join([*current, term])) > width:
            lines.append(separator.join(current))
            current = []
        current.append(term)
    lines.append(separator.join(current))
    return [line.replace("+ -", "- ") for line in lines]


def entry_label(entry) -> str:
    return "0" if entry is ZERO else entry.name


def elided(size: int, limit: int) -> list[int | None]:
    """Indices to show along an axis; ``None`` marks the elided middle.

    >>> elided(4, 9), elided(12, 9)
    ([0, 1, 2, 3], [0, 1, 2, None, 10, 11])
    """
    if size <= limit:
        return list(range(size))
    return [0, 1, 2, None, size - 2, size - 1]


def matrix_latex(plane: np.ndarray, limit: int = MATRIX_LIMIT) -> str:
    """A ``bmatrix`` of a 2-d array of symbols/zeros, middle rows and columns elided."""
    rows = []
    for i in elided(plane.shape[0], limit):
        cells = []
        for j in elided(plane.shape[1], limit):
            if i is None:
                cells.append(r"\vdots" if j is not None else r"\ddots")
            else:
                cells.append(r"\cdots" if j is None else entry_label(plane[i, j]))
        rows.append(" & ".join(cells))
    body = r" \\ ".join(rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def equation(lhs: str, poly: Polynomial, key) -> dict:
    """One displayed equation ``lhs = poly``: its lines, the number of terms in all and
    the number shown (long sums are elided in the middle)."""
    lines, count = sum_lines(poly, key)
    shown = min(count, MAX_TERMS_SHOWN) if count <= MAX_TERMS_SHOWN else 6
    return {"lhs": lhs, "lines": lines, "count": count, "shown": shown}


def entry_order(*arrays) -> dict:
    """Sort order of symbols for printing: by the array they belong to, then index."""
    order = {}
    for rank, array in enumerate(arrays):
        for symbol, index in array.index_of.items():
            order[symbol] = (rank, index)
    return order
