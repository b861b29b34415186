"""The document model printed as a compilable LaTeX article (TikZ figures).

Prose is escaped (only the dialect's own markup becomes LaTeX); math is LaTeX already and is
placed as it is. ``templates/derivation.tex.jinja`` places the prepared strings.
"""

from __future__ import annotations

import re

from symconv.render.document import Block, Document
from symconv.render.figures import COLOURS, LEGEND, Grid
from symconv.render.templating import render
from symconv.render.text import escape

_INLINE = re.compile(r"(\$[^$]+\$|`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*)")
LONG_DISPLAY = 110
"""Displays longer than this (in LaTeX characters) are scaled to the line width if needed."""
_QUOTED = re.compile(r'"([^"\n]*)"')
_UNICODE = {"×": r"$\times$", "·": r"$\cdot$", "≤": r"$\le$", "≥": r"$\ge$", "→": r"$\to$",
            "−": "-", "°": r"$^\circ$"}


def _text(text: str) -> str:
    escaped = escape(text)
    for char, latex in _UNICODE.items():
        escaped = escaped.replace(char, latex)
    return _QUOTED.sub(r"``\1''", escaped)


def inline(text: str) -> str:
    r"""One line of the dialect as LaTeX: math kept, markup converted, the rest escaped.

    >>> inline("a *b* of `cd` is $x_1$ (50%)")
    'a \\emph{b} of \\texttt{cd} is $x_1$ (50\\%)'
    """
    out = []
    for piece in _INLINE.split(text):
        if piece.startswith("$") and piece.endswith("$") and len(piece) > 1:
            out.append(piece)
        elif piece.startswith("`") and piece.endswith("`") and len(piece) > 1:
            # code may break after an underscore
            out.append(r"\texttt{" + escape(piece[1:-1]).replace(r"\_", r"\_\allowbreak{}")
                       .replace(",", r",\allowbreak{}").replace(") ", r") \allowbreak{}")
                       + "}")
        elif piece.startswith("**") and piece.endswith("**") and len(piece) > 4:
            out.append(r"\textbf{" + inline(piece[2:-2]) + "}")
        elif piece.startswith("*") and piece.endswith("*") and len(piece) > 2:
            out.append(r"\emph{" + inline(piece[1:-1]) + "}")
        else:
            out.append(_text(piece))
    return "".join(out)


def _math(body: str) -> str:
    aligned = re.fullmatch(r"\\begin\{aligned\}\n?(.*?)\n?\\end\{aligned\}", body.strip(), re.S)
    if aligned:
        return "\\begin{align*}\n" + aligned.group(1) + "\n\\end{align*}"
    if "bmatrix" in body or len(body) > LONG_DISPLAY:
        return ("\\begin{center}\n\\fitwidth{$\\displaystyle " + body.strip()
                + "$}\n\\end{center}")
    return "\\[\n" + body.strip() + "\n\\]"


WIDE_CELL = 40
"""A table column whose text is longer than this (characters) wraps in a paragraph column."""


def _table(block: Block) -> str:
    header, *body = block.rows
    columns = [r"p{0.28\linewidth}" if max(len(row[k]) for row in block.rows) > WIDE_CELL
               else align for k, align in enumerate(block.align)]
    lines = [r"\begin{center}", r"\begin{tabular}{" + "".join(columns) + "}", r"\toprule",
             " & ".join(inline(cell) for cell in header) + r" \\", r"\midrule"]
    lines += [" & ".join(inline(cell) for cell in row) + r" \\" for row in body]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{center}"]
    return "\n".join(lines)


def block_latex(block: Block) -> str:
    """Every block but figures, as LaTeX."""
    if block.kind == "code":
        return "{\\small\n\\begin{verbatim}\n" + block.text + "\n\\end{verbatim}\n}"
    if block.kind == "box":
        inner = "\n\n".join(block_latex(b) for b in block.blocks)
        return ("\\begin{center}\\setlength{\\fboxsep}{8pt}\n"
                "\\fbox{\\begin{minipage}{0.93\\linewidth}\n" + inner
                + "\n\\end{minipage}}\n\\end{center}")
    if block.kind == "heading":
        command = {2: "section", 3: "subsection"}.get(block.level, "paragraph")
        room = r"\needlines{8\baselineskip}" if block.level in (2, 3) else ""
        return f"{room}\\{command}{{{inline(block.text)}}}"
    if block.kind == "math":
        return _math(block.text)
    if block.kind == "list":
        items = "\n".join(r"  \item " + inline(item) for item in block.items)
        return "\\begin{itemize}\n" + items + "\n\\end{itemize}"
    if block.kind == "table":
        return _table(block)
    return "\n".join(inline(line) for line in block.text.splitlines())


def natural_width(figure) -> float:
    """Width in cm a figure would take unscaled."""
    if getattr(figure, "is_graph", False):
        return figure.width
    return figure.cols * float(figure.cell_cm)


def panel_widths(natural: list[float], smallest: float = 0.15) -> list[str]:
    """Fractions of the line width for panels side by side: ``smallest`` each, and the rest
    in proportion to their natural widths, so the widest grid is the least shrunk.

    >>> panel_widths([10.0, 2.0, 2.0]), panel_widths([3.0, 3.0])
    (['0.493', '0.219', '0.219'], ['0.470', '0.470'])
    """
    total = sum(natural)
    room = 0.96 - 0.01 * len(natural)
    spare = room - smallest * len(natural)
    return [f"{smallest + spare * width / total:.3f}" for width in natural]


def latex_document(document: Document, grids: dict[str, Grid]) -> str:
    """The complete, compilable LaTeX source of ``document``."""
    blocks = []
    for block in document.blocks:
        if block.kind == "figures":
            shown = [grids[name] for name in block.items]
            kinds = [kind for kind in LEGEND if any(kind in grid.kinds for grid in shown)]
            widths = panel_widths([natural_width(grid) for grid in shown])
            blocks.append({"figures": [{"grid": grid, "title": inline(grid.title),
                                        "width": width} for grid, width in zip(shown, widths)],
                           "caption": " ".join(inline(grid.caption) + "." for grid in shown
                                               if grid.caption),
                           "legend": [(kind, LEGEND[kind]) for kind in kinds]})
        else:
            blocks.append({"figures": [], "latex": block_latex(block)})
    colours = [(kind, colour.lstrip("#").upper()) for kind, colour in COLOURS.items()]
    return render("derivation.tex.jinja", title=inline(document.title), blocks=blocks,
                  colours=colours)
