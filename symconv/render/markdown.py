"""The document model printed as Markdown (math for KaTeX/MathJax) with SVG figures.

Figure links are percent-encoded, so a file stem with spaces or brackets can neither break
a link nor inject one.
"""

from __future__ import annotations

from urllib.parse import quote

from symconv.render.document import Block, Document
from symconv.render.figures import COLOUR_NAMES, COLOURS, LEGEND, Grid
from symconv.render.templating import render


def figure_file(stem: str, name: str) -> str:
    """``<stem>-<name>.svg``: the file a figure is written to."""
    return f"{stem}-{name}.svg"


def _figures(block: Block, grids: dict[str, Grid], stem: str) -> str:
    """The images side by side (one paragraph), then one caption and the colour key."""
    shown = [grids[name] for name in block.items]
    images = " ".join(f"![{grid.alt.replace('[', '(').replace(']', ')')}]"
                      f"({quote(figure_file(stem, grid.name))})" for grid in shown)
    kinds = [kind for kind in LEGEND if any(kind in grid.kinds for grid in shown)]
    key = "; ".join(f"{COLOUR_NAMES[kind]}: {LEGEND[kind]}" for kind in kinds)
    caption = " ".join(f"{grid.caption}." for grid in shown if grid.caption)
    return images + "\n\n" + f"*{caption}*" + (f" Colours — {key}." if key else "")


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
    if block.kind == "code":
        return f"```\n{block.text}\n```"
    if block.kind == "box":
        inner = "\n\n".join(_block(b, grids, stem) for b in block.blocks)
        return "\n".join(f"> {line}".rstrip() for line in inner.splitlines())
    return block.text


def markdown_files(document: Document, grids: dict[str, Grid], stem: str) -> dict[str, str]:
    """``{file name: content}``: ``<stem>.md`` and the SVG of every figure it shows."""
    parts = [f"# {document.title}"] + [_block(block, grids, stem) for block in document.blocks]
    files = {f"{stem}.md": "\n\n".join(parts) + "\n"}
    colours = {kind: colour.lstrip("#").upper() for kind, colour in COLOURS.items()}
    for block in document.blocks:
        if block.kind == "figures":
            for name in block.items:
                figure = grids[name]
                files[figure_file(stem, name)] = (
                    render("graph.svg.jinja", g=figure) if figure.is_graph
                    else render("figure.svg.jinja", grid=figure, colours=colours))
    return files
