"""Figures as grids of styled cells, drawn by TikZ (LaTeX) or SVG (Markdown) templates.

Python decides what every cell is — input, padding, never-read leftover, inserted zero,
gradient, kernel tap — what it says (a label and an optional second line, the ``note``) and
which cells are outlined; the two templates only draw, so the PDF and the web page show the
same picture. Grids are 2-d views: a 1-d axis is one row, a 3-d array is shown one depth
slice at a time. A grid larger than :data:`MAX_SHOWN` cells along an axis is summarised: its
first and last rows and columns are kept around a band of dots, so any layer renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from symconv.algebra.symbols import ZERO
from symconv.render.text import elided, printed_width

# Cell kinds, with the fill colour both renderers use (a legend names them in words).
COLOURS = {
    "input": "#ffffff",
    "pad": "#d9d9d9",
    "unread": "#f4b6b6",
    "zero": "#eef3fb",
    "grad": "#c6dbef",
    "kernel": "#fdd9a8",
    "extra": "#f4b6b6",
    "hit": "#b7e1b0",
    "gap": "#ffffff",
}
COLOUR_NAMES = {"input": "white", "pad": "grey", "unread": "pink", "zero": "pale blue",
                "grad": "blue", "kernel": "orange", "extra": "pink", "hit": "green",
                "gap": "white"}
LEGEND = {
    "input": "input entry",
    "pad": "zero padding",
    "unread": "never read (leftover r)",
    "zero": "zero inserted by the stride",
    "grad": "upstream gradient G",
    "kernel": "kernel tap",
    "extra": "zeros for the leftover r (output padding)",
    "hit": "receives gradient",
}
MAX_SHOWN = 14
"""Grids with more rows or columns than this are summarised (first and last kept)."""
GREY_LABELS = ("pad", "zero", "extra")


@dataclass
class Cell:
    row: int
    col: int
    kind: str
    label: str = ""          # LaTeX, e.g. X^{(0,1)}_{1,2}
    note: str = ""           # LaTeX second line, e.g. \cdot W_{1,1}

    @property
    def plain(self) -> tuple[str, str, str, str]:
        """``(base, superscript, subscript)`` for SVG text."""
        return plain_label(self.label)

    @property
    def plain_note(self) -> tuple[str, str, str, str]:
        return plain_label(re.sub(r"\\cdot(?![a-z]) ?", "·", self.note))

    @property
    def grey(self) -> bool:
        return self.kind in GREY_LABELS


class Titled:
    """What both figure kinds say in words: a title and a caption, as plain text for SVG
    titles and image alt text."""

    title: str
    caption: str

    @property
    def title_plain(self) -> str:
        return plain_text(self.title)

    @property
    def alt(self) -> str:
        return plain_text(self.title + (": " if self.title else "") + self.caption)


@dataclass
class Grid(Titled):
    """One labelled grid. ``marks`` are (row, col) cells outlined to show a window's taps;
    ``title`` is printed above the grid, ``caption`` below the figure it belongs to."""

    name: str
    caption: str
    rows: int
    cols: int
    cells: list[Cell]
    marks: list[tuple[int, int]] = field(default_factory=list)
    title: str = ""
    is_graph = False

    @property
    def labelled(self) -> bool:
        return any(cell.label for cell in self.cells)

    @property
    def has_notes(self) -> bool:
        return any(cell.note for cell in self.cells)

    @property
    def cell_units(self) -> float:
        """Side of one cell in units of one italic capital, so the widest label fits."""
        widest = max([printed_width(c.label) for c in self.cells]
                     + [printed_width(c.note) for c in self.cells] + [1.0])
        return max(3.2, 0.75 * widest + 1.6)

    @property
    def cell_cm(self) -> str:
        """Side of one cell in cm (labels are \\footnotesize, about 0.22 cm per unit)."""
        return f"{0.22 * self.cell_units:.3f}"

    @property
    def cell_px(self) -> int:
        """Side of one SVG cell in pixels (labels are 14 px)."""
        return int(round(8.5 * self.cell_units))

    @property
    def kinds(self) -> list[str]:
        present = {cell.kind for cell in self.cells}
        return [kind for kind in LEGEND if kind in present]


_NAME = re.compile(r"^([-+]?[A-Za-z0-9.·]+|\\cdots|\\vdots|\\ddots)"
                   r"(?:\^\{\(([0-9,']+)\)\})?(?:_\{([0-9,]+)\})?((?:/[0-9]+)?(?:\+\\cdots)?)$")
_GAPS = {r"\cdots": "…", r"\vdots": "⋮", r"\ddots": "⋱"}


def plain_label(latex: str) -> tuple[str, str, str, str]:
    r"""``X^{(0,1)}_{2,3}`` -> ``("X", "(0,1)", "2,3", "")`` for SVG text; the last part is
    what follows the subscript (a divisor, elided further terms).

    >>> plain_label("W_{0,1}"), plain_label("0"), plain_label("X^{(0,1)}_{2,3}")
    (('W', '', '0,1', ''), ('0', '', '', ''), ('X', '(0,1)', '2,3', ''))
    >>> plain_label(r"+G_{1,2}/9+\cdots")
    ('+G', '', '1,2', '/9+…')
    """
    match = _NAME.match(latex)
    if not match:
        return plain_text(latex), "", "", ""
    base = _GAPS.get(match.group(1), match.group(1))
    after = match.group(4).replace(r"\cdots", "…")
    return base, f"({match.group(2)})" if match.group(2) else "", match.group(3) or "", after


_COMMANDS = {r"\operatorname{rot180}": "rot180", r"\partial": "∂", r"\cdot": "·",
             r"\times": "×", r"\sum": "Σ", r"\ldots": "…", r"\cdots": "…", r"\,": " ",
             r"\max": "max", r"\le": "≤", r"\odot": "⊙"}


def plain_text(latex: str) -> str:
    """Dialect text with inline math as plain text (SVG titles, image alt text).

    >>> plain_text(r"Kernel $W^{(0,0)}$ and $\\operatorname{rot180}(W)$")
    'Kernel W(0,0) and rot180(W)'
    """
    text = latex.replace("$", "")
    for command, plain in _COMMANDS.items():
        text = text.replace(command, plain)
    text = re.sub(r"\\[A-Za-z]+", "", text)
    return re.sub(r"[{}^_]", "", text).replace("  ", " ")


def plane(array: np.ndarray, rank: int, depth: int = 0) -> np.ndarray:
    """The 2-d view of the spatial part (leading axes at 0): 1-d becomes one row, 3-d its
    depth slice ``depth``."""
    spatial = array[(0,) * (array.ndim - rank)] if array.ndim > rank else array
    if rank == 1:
        return spatial.reshape(1, -1)
    if rank == 3:
        return spatial[depth]
    return spatial


def depth_slices(depth: int, limit: int = 4) -> list[int]:
    """The depth slices of a 3-d array that a document shows: all up to ``limit``, else the
    first two and the last.

    >>> depth_slices(3), depth_slices(9)
    ([0, 1, 2], [0, 1, 8])
    """
    return list(range(depth)) if depth <= limit else [0, 1, depth - 1]


def _kept(size: int) -> list[int | None]:
    return elided(size, MAX_SHOWN)


def grid_from_labels(name: str, caption: str, labels: np.ndarray, kinds: np.ndarray,
                     marks=(), title: str = "", notes: np.ndarray | None = None) -> Grid:
    """A grid from 2-d arrays of LaTeX labels (``X_{1,2}``, ``0``, ``-3``), kinds and
    optional second-line notes; summarised when larger than :data:`MAX_SHOWN`."""
    rows_kept, cols_kept = _kept(labels.shape[0]), _kept(labels.shape[1])
    summarised = len(rows_kept) < labels.shape[0] or len(cols_kept) < labels.shape[1]
    cells = []
    for r, row in enumerate(rows_kept):
        for c, col in enumerate(cols_kept):
            if row is None or col is None:
                gap = r"\ddots" if row is None and col is None else (
                    r"\vdots" if row is None else r"\cdots")
                cells.append(Cell(r, c, "gap", gap))
                continue
            note = str(notes[row, col]) if notes is not None else ""
            cells.append(Cell(r, c, str(kinds[row, col]), str(labels[row, col]), note))
    where = {(row, col): (r, c) for r, row in enumerate(rows_kept)
             for c, col in enumerate(cols_kept)}
    kept_marks = [where[tuple(m)] for m in marks if tuple(m) in where]
    if summarised:
        caption += (f" (summarised: {labels.shape[0]}$\\times${labels.shape[1]} cells, "
                    "first and last rows and columns shown)")
    return Grid(name, caption, len(rows_kept), len(cols_kept), cells, kept_marks, title)


def grid_from(name: str, caption: str, entries: np.ndarray, kinds: np.ndarray,
              marks=(), title: str = "", notes: np.ndarray | None = None,
              label=None) -> Grid:
    """A grid from a 2-d array of symbols/zeros and a same-shaped array of kinds; ``label``
    names a symbol (the document's :class:`~symconv.render.text.Notation`)."""
    label = label or (lambda entry: entry.name)
    labels = np.full(entries.shape, "", dtype=object)
    for row in (r for r in _kept(entries.shape[0]) if r is not None):   # only what is shown
        for col in (c for c in _kept(entries.shape[1]) if c is not None):
            entry = entries[row, col]
            labels[row, col] = "0" if entry is ZERO else label(entry)
    return grid_from_labels(name, caption, labels, kinds, marks, title, notes)


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


def window_cells(origin: tuple[int, ...], taps: tuple[int, ...],
                 dilation: tuple[int, ...]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """``(tap j, position origin + d*j)`` for every tap of one window, in scan order."""
    return [(j, tuple(o + d * t for o, d, t in zip(origin, dilation, j)))
            for j in np.ndindex(*taps)]


def in_plane(position: tuple[int, ...], rank: int, depth: int = 0) -> tuple[int, int] | None:
    """Where a spatial position appears in the 2-d view of depth slice ``depth`` (or None)."""
    if rank == 1:
        return (0, position[0])
    if rank == 3:
        return tuple(position[1:]) if position[0] == depth else None
    return tuple(position)


def window_marks(origin: tuple[int, ...], taps: tuple[int, ...], dilation: tuple[int, ...],
                 rank: int, depth: int = 0) -> list[tuple[int, int]]:
    """Grid cells of one window's taps ``origin + d*j`` in the 2-d view of one slice."""
    cells = [in_plane(p, rank, depth) for _, p in window_cells(origin, taps, dilation)]
    return [cell for cell in cells if cell is not None]


@dataclass
class Node:
    name: str
    label: str          # LaTeX inside the circle, e.g. x or +
    x: float
    y: float            # downwards, in cm

    @property
    def plain(self) -> str:
        return plain_text(f"${self.label}$")


@dataclass
class Edge:
    source: str
    target: str
    forward: str        # LaTeX value carried forward (above the edge)
    backward: str       # LaTeX gradient carried back (below the edge)


@dataclass
class Graph(Titled):
    """A computational graph: nodes, and edges that carry a value forward and a gradient
    back. Drawn by the same two renderers as the grids."""

    name: str
    caption: str
    nodes: list[Node]
    edges: list[Edge]
    title: str = ""
    kinds: list[str] = field(default_factory=list)
    is_graph: bool = True

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    @property
    def width(self) -> float:
        return max(node.x for node in self.nodes) + 1.0

    @property
    def height(self) -> float:
        return max(node.y for node in self.nodes) + 1.0

    @property
    def lines(self) -> list[dict]:
        """Each edge with its end points and the midpoint where its labels go."""
        out = []
        for edge in self.edges:
            a, b = self.node(edge.source), self.node(edge.target)
            length = ((b.x - a.x) ** 2 + (b.y - a.y) ** 2) ** 0.5
            ux, uy = (b.x - a.x) / length, (b.y - a.y) / length
            out.append({"edge": edge, "a": a, "b": b, "mx": (a.x + b.x) / 2,
                        "my": (a.y + b.y) / 2, "x1": a.x + 0.45 * ux, "y1": a.y + 0.45 * uy,
                        "x2": b.x - 0.5 * ux, "y2": b.y - 0.5 * uy,
                        "plain_forward": plain_text(edge.forward),
                        "plain_backward": plain_text(edge.backward)})
        return out
