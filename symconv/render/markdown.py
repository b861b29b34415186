"""The document model printed as Markdown (math for KaTeX/MathJax) with SVG figures.

Figure links are percent-encoded, so a file stem with spaces or brackets can neither break
a link nor inject one.
"""

from __future__ import annotations

from urllib.parse import quote

from symconv.render.document import Block, Document
from symconv.render.figures import COLOURS, LEGEND, Grid
from symconv.render.templating import render


def figure_file(stem: str, name: str) -> str:
    """``<stem>-<name>.svg``: the file a figure is written to."""
    return f"{stem}-{name}.svg"


def _figures(block: Block, grids: dict[str, Grid], stem: str) -> str:
    lines = []
    for name in block.items:
        grid = grids[name]
        alt = grid.caption.replace("$", "").replace("[", "(").replace("]", ")")
        lines.append(f"![{alt}]({quote(figure_file(stem, name))})")
        kinds = ", ".join(f"{LEGEND[kind]} ({'white' if kind == 'input' else COLOURS[kind]})"
                          for kind in grid.kinds)
        lines.append("")
        lines.append(f"*{grid.caption}.* Colours: {kinds}.")
        lines.append("")
    return "\n".join(lines).rstrip()


def _block(block: Block, grids: dict[str, Grid], stem: str) -> str:
    if block.kind == "heading":
        return "#" * block.level + " " + block.text
    if block.kind == "math":
        return f"$$\n{block.text}\n$$"
    if block.kind == "list":
        return "\n".join(f"- {item}" for item in block.items)
    if block.kind == "table":
        header, *body = block.rows
        rule = "|" + "|".join("---:" if a == "r" else "---" for a in block.align) + "|"
        return "\n".join(["| " + " | ".join(header) + " |", rule]
                         + ["| " + " | ".join(row) + " |" for row in body])
    if block.kind == "figures":
        return _figures(block, grids, stem)
    return block.text


def markdown_files(document: Document, grids: dict[str, Grid], stem: str) -> dict[str, str]:
    """``{file name: content}``: ``<stem>.md`` and the SVG of every figure it shows."""
    parts = [f"# {document.title}"] + [_block(block, grids, stem) for block in document.blocks]
    files = {f"{stem}.md": "\n\n".join(parts) + "\n"}
    colours = {kind: colour.lstrip("#").upper() for kind, colour in COLOURS.items()}
    for block in document.blocks:
        if block.kind == "figures":
            for name in block.items:
                files[figure_file(stem, name)] = render("figure.svg.jinja", grid=grids[name],
                                                        colours=colours)
    return files
