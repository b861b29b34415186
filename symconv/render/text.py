"""LaTeX strings from symbols and polynomials: sums, matrices and escaping.

Symbol names are already LaTeX (``X_{1,2}``), so a term prints by joining names — no SymPy
printer on the hot path, which keeps a 32x32 document well under a second.
"""

from __future__ import annotations

import heapq
import re

import numpy as np
import sympy

from symconv.algebra.polynomial import Polynomial
from symconv.algebra.symbols import ZERO

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
            "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
            "<": r"\textless{}", ">": r"\textgreater{}"}

LINE_CHARACTERS = 40
"""A displayed line holds terms up to this printed width (about 12 cm)."""
MAX_TERMS_SHOWN = 12
MATRIX_LIMIT = 10
"""Matrices up to this many rows and columns are shown whole; larger ones are elided."""


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


def _name(symbol) -> str:
    return symbol.name


def term_latex(mono: tuple, coefficient, name=_name) -> str:
    """``W_{0,0} X_{1,1}``; a coefficient other than 1 is written in front."""
    product = " ".join(name(symbol) for symbol in mono) or "1"
    if coefficient == 1:
        return product
    if coefficient == -1:
        return f"-{product}"
    number = (rf"\tfrac{{{coefficient.numerator}}}{{{coefficient.denominator}}}"
              if getattr(coefficient, "denominator", 1) != 1 else str(coefficient))
    return f"{number}\\, {product}" if mono else number


def sum_lines(poly: Polynomial, key, name=_name) -> tuple[list[str], int]:
    """The terms of ``poly`` in ``key`` order as LaTeX lines of a few terms each.

    Long sums keep their first and last terms around a ``\\cdots``; the count is returned so
    the reader knows what was left out.
    """
    count = len(poly)
    if not count:
        return ["0"], 0
    if count > MAX_TERMS_SHOWN:   # only the ends are printed: no need to sort them all
        keyed = [(key(m), m, c) for m, c in poly.items()]
        items = ([(m, c) for _, m, c in heapq.nsmallest(4, keyed, key=lambda t: t[0])]
                 + [(m, c) for _, m, c in sorted(heapq.nlargest(2, keyed,
                                                                key=lambda t: t[0]))])
    else:
        items = sorted(poly.items(), key=lambda t: key(t[0]))
    if count > MAX_TERMS_SHOWN:
        terms = [term_latex(m, c, name) for m, c in items[:4]] + [r"\cdots"] + [
            term_latex(m, c, name) for m, c in items[-2:]]
    else:
        terms = [term_latex(m, c, name) for m, c in items]
    return wrap(terms), count


def index_text(index) -> str:
    return ",".join(str(int(i)) for i in index)


class _Rank(dict):
    """Print rank of each symbol; symbols outside the arrays (indicators) come after all
    others, in a fixed order given by their names."""

    def __missing__(self, symbol):
        return (1 << 40) + int.from_bytes(symbol.name.encode(), "big")


class Notation:
    """How a document names the entries of its arrays, defined once for every document.

    An entry is its letter, the leading (image, channel) indices as a parenthesised
    superscript and the position as a subscript: ``X^{(n,c)}_{i,j}``, ``W^{(o,c')}_{i,j}``.
    The superscript carries *all* leading indices whenever any leading axis of that array has
    more than one entry, and is left out only when every leading axis has size 1, so one
    superscript never means two different things. Symbols outside the arrays (region
    indicators) keep their own names.
    """

    def __init__(self, *arrays):
        self.order: dict = {}
        self.names: dict = {}
        self.superscripts: dict[str, bool] = {}
        for rank, array in enumerate(arrays):
            leading = array.leading
            shown = any(size > 1 for size in array.shape[:leading])
            self.superscripts[array.letter] = shown
            for symbol, index in array.index_of.items():
                self.order[symbol] = (rank, index)
                head = f"^{{({index_text(index[:leading])})}}" if shown and leading else ""
                self.names[symbol] = f"{array.letter}{head}_{{{index_text(index[leading:])}}}"

        self.rank = _Rank({symbol: position for position, symbol in
                           enumerate(sorted(self.order, key=self.order.__getitem__))})

    def name(self, symbol) -> str:
        return self.names.get(symbol, symbol.name)

    def rename(self, symbol, latex: str) -> None:
        """Print ``symbol`` (one outside the arrays, e.g. a region indicator made of entry
        names) as ``latex``, so it follows the naming rule too."""
        self.names[symbol] = latex

    def latex(self, expression) -> str:
        """A SymPy expression as LaTeX, its symbols named by this notation."""
        return sympy.latex(expression, symbol_names={s: self.name(s)
                                                     for s in expression.free_symbols})

    def entry(self, entry) -> str:
        """A symbol's name, or ``0`` for a padding/inserted zero."""
        return "0" if entry is ZERO else self.name(entry)

    def key(self, mono):
        """Sort key of a monomial: the print ranks of its symbols (array, then index)."""
        return tuple(sorted(map(self.rank.__getitem__, mono)))

    def term(self, mono, coefficient) -> str:
        return term_latex(mono, coefficient, self.name)

    def sorted_terms(self, poly: Polynomial) -> list[str]:
        return [self.term(m, c) for m, c in sorted(poly.items(), key=lambda t: self.key(t[0]))]

    def equation(self, lhs: str, poly: Polynomial) -> dict:
        lines, count = sum_lines(poly, self.key, self.name)
        shown = count if count <= MAX_TERMS_SHOWN else 6
        return {"lhs": lhs, "lines": lines, "count": count, "shown": shown}

    def matrix(self, plane: np.ndarray, limit: int = MATRIX_LIMIT) -> str:
        return matrix_latex(plane, limit, self.entry)

    def partial(self, symbol) -> str:
        """``\\partial L/\\partial X_{1,2}``: compact, so long lists stay short."""
        return rf"\partial L/\partial {self.name(symbol)}"


def thousands(number: int, math: bool = True) -> str:
    """``97200`` -> ``97{,}200`` in math (``97,200`` in text).

    >>> thousands(97200), thousands(97200, math=False), thousands(12)
    ('97{,}200', '97,200', '12')
    """
    text = f"{number:,}"
    return text.replace(",", "{,}") if math else text


def number_latex(value: float) -> str:
    """An exact integer as LaTeX (a minus sign, not a hyphen); other floats rounded.

    >>> number_latex(-3.0), number_latex(2.5)
    ('-3', '2.5')
    """
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


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
    """Indices to show along an axis; ``None`` marks the elided middle. The first six are
    kept (past any zero padding, so some content shows) and the last two.

    >>> elided(4, 9), elided(12, 9)
    ([0, 1, 2, 3], [0, 1, 2, 3, 4, 5, None, 10, 11])
    """
    if size <= limit:
        return list(range(size))
    return [0, 1, 2, 3, 4, 5, None, size - 2, size - 1]


def matrix_latex(plane: np.ndarray, limit: int = MATRIX_LIMIT, label=None) -> str:
    """A ``bmatrix`` of a 2-d array of symbols/zeros/numbers, middle rows and columns elided
    (with dots, so nothing is left out silently). ``label`` prints one entry."""
    label = label or entry_label
    rows = []
    for i in elided(plane.shape[0], limit):
        cells = []
        for j in elided(plane.shape[1], limit):
            if i is None:
                cells.append(r"\vdots" if j is not None else r"\ddots")
            else:
                cells.append(r"\cdots" if j is None else label(plane[i, j]))
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
