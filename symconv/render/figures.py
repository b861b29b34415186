"""Figures as grids of styled cells, drawn by TikZ (LaTeX) or SVG (Markdown) templates.

Python decides what every cell is — input, padding, never-read leftover, inserted zero,
gradient, kernel tap — and the templates only draw. Grids are 2-d views: a 1-d axis is one
row, and a 3-d array shows its first depth slice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from symconv.algebra.symbols import ZERO

# Cell kinds, with the fill colour both renderers use (a legend names them in words).
COLOURS = {
    "input": "#ffffff",
    "pad": "#d9d9d9",
    "unread": "#f4b6b6",
    "zero": "#eef3fb",
    "grad": "#c6dbef",
    "kernel": "#fdd9a8",
    "extra": "#f4b6b6",
}
LEGEND = {
    "input": "input entry",
    "pad": "zero padding",
    "unread": "never read (leftover r)",
    "zero": "zero inserted by the stride",
    "grad": "upstream gradient G",
    "kernel": "kernel tap",
    "extra": "zeros for the leftover r (output padding)",
}
MAX_LABELLED = 14
"""Grids wider or taller than this are drawn without labels (the pattern still reads)."""
MAX_WIDTH_CM = 7.5


@dataclass
class Cell:
    row: int
    col: int
    kind: str
    label: str = ""          # LaTeX without channel superscripts, e.g. X_{1,2}
    plain: tuple = ("", "")  # SVG: (base, subscript)


@dataclass
class Grid:
    """One labelled grid. ``marks`` are (row, col) cells outlined to show a window's taps."""

    name: str
    caption: str
    rows: int
    cols: int
    cells: list[Cell]
    marks: list[tuple[int, int]] = field(default_factory=list)

    @property
    def labelled(self) -> bool:
        return max(self.rows, self.cols) <= MAX_LABELLED

    @property
    def cell_cm(self) -> str:
        """Side of one cell in cm, so that the grid fits in half a text width."""
        return f"{min(0.9, MAX_WIDTH_CM / max(self.cols, 1)):.3f}"

    @property
    def kinds(self) -> list[str]:
        present = {cell.kind for cell in self.cells}
        return [kind for kind in LEGEND if kind in present]


_NAME = re.compile(r"^([A-Za-z]+)(?:\^\{\(([0-9,]+)\)\})?_\{([0-9,]+)\}$")


def plain_label(latex: str) -> tuple[str, str]:
    """``X^{(0,1)}_{2,3}`` -> ``("X", "2,3")`` for SVG text (channels are in the caption).

    >>> plain_label("W_{0,1}"), plain_label("0")
    (('W', '0,1'), ('0', ''))
    """
    match = _NAME.match(latex)
    return (match.group(1), match.group(3)) if match else (latex, "")


def plane(array: np.ndarray, rank: int) -> np.ndarray:
    """The 2-d view of the spatial part: 1-d becomes one row, 3-d its first depth slice."""
    spatial = array[(0,) * (array.ndim - rank)] if array.ndim > rank else array
    if rank == 1:
        return spatial.reshape(1, -1)
    if rank == 3:
        return spatial[0]
    return spatial


def grid_from_labels(name: str, caption: str, labels: np.ndarray, kinds: np.ndarray,
                     marks=()) -> Grid:
    """A grid from a 2-d array of LaTeX labels (``X_{1,2}``, ``0``, ``-3``) and of kinds."""
    cells = []
    for (row, col), text in np.ndenumerate(labels):
        base, subscript = plain_label(str(text))
        label = f"{base}_{{{subscript}}}" if subscript else base
        cells.append(Cell(row, col, str(kinds[row, col]), label, (base, subscript)))
    rows, cols = labels.shape
    return Grid(name, caption, rows, cols, cells, list(marks))


def grid_from(name: str, caption: str, entries: np.ndarray, kinds: np.ndarray,
              marks=()) -> Grid:
    """A grid from a 2-d array of symbols/zeros and a same-shaped array of kinds."""
    labels = np.vectorize(lambda entry: "0" if entry is ZERO else entry.name, otypes=[object])
    return grid_from_labels(name, caption, labels(entries), kinds, marks)


def input_axis_kinds(n: int, lo: int, hi: int, r: int) -> list[str]:
    """Kind of each position of one padded input axis: input, pad, or the unread last ``r``.

    >>> input_axis_kinds(3, 1, 1, 1)
    ['pad', 'input', 'input', 'input', 'unread']
    """
    length = n + lo + hi
    return ["unread" if t >= length - r else "input" if lo <= t < lo + n else "pad"
            for t in range(length)]


def gradient_axis_kinds(dilated: int, s: int, lo: int, hi: int, r: int) -> list[str]:
    """Kind of each position of one axis of ``Gq``: G entry, inserted zero, padding, or the
    ``r`` extra zeros that stand for the leftover (PyTorch's ``output_padding``).

    >>> gradient_axis_kinds(3, 2, 1, 2, 1)
    ['pad', 'grad', 'zero', 'grad', 'pad', 'extra']
    """
    length = dilated + lo + hi
    kinds = []
    for t in range(length):
        source = t - lo
        if 0 <= source < dilated:
            kinds.append("grad" if source % s == 0 else "zero")
        else:
            kinds.append("extra" if t >= length - r else "pad")
    return kinds


def combine(per_axis: list[list[str]], precedence: tuple[str, ...]) -> np.ndarray:
    """Kinds of every cell: the kind of highest precedence among the cell's axes."""
    rank = {kind: position for position, kind in enumerate(precedence)}
    shape = tuple(len(kinds) for kinds in per_axis)
    result = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        result[index] = min((kinds[i] for kinds, i in zip(per_axis, index)), key=rank.get)
    return result


def window_marks(origin: tuple[int, ...], taps: tuple[int, ...], dilation: tuple[int, ...],
                 rank: int) -> list[tuple[int, int]]:
    """Grid cells of one window's taps ``origin + d*j`` in the 2-d view."""
    marks = []
    for j in np.ndindex(*taps):
        position = tuple(o + d * t for o, d, t in zip(origin, dilation, j))
        if rank == 1:
            marks.append((0, position[0]))
        elif rank == 2:
            marks.append(position)
        elif position[0] == origin[0]:
            marks.append(position[1:])
    return marks
