"""The document model: one derivation, as blocks that both renderers print.

A layer's ``derivation.md.jinja`` renders to a small Markdown dialect — headings, paragraphs
with ``$inline math$``, ``*emphasis*``, ``**bold**`` and ``code``, ``- `` lists, pipe tables,
``$$`` display math (LaTeX math that both pdflatex and KaTeX/MathJax read) and figure lines
``![figure](name other-name)``, fenced code blocks (three backticks) and boxed summaries
(every line starting with ``> ``; they may hold ``$$`` math). :func:`parse` turns that
text into a :class:`Document`;
:mod:`symconv.render.latex` and :mod:`symconv.render.markdown` print the same blocks, so the
``.tex`` and the ``.md`` carry the same sections and equations by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FIGURE = re.compile(r"^!\[figure\]\(([A-Za-z0-9 \-]+)\)$")


@dataclass
class Block:
    """One block: ``kind`` is heading, paragraph, list, math, table, figures, code or box
    (a box holds its own ``blocks``)."""

    kind: str
    text: str = ""
    level: int = 0
    items: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    align: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    title: str
    blocks: list[Block]

    def headings(self) -> list[str]:
        return [block.text for block in self.blocks if block.kind == "heading"]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table(lines: list[str]) -> Block:
    header, rule, *body = lines
    align = ["r" if cell.endswith(":") else "l" for cell in _cells(rule)]
    return Block("table", rows=[_cells(header)] + [_cells(line) for line in body], align=align)


def _chunk(lines: list[str]) -> Block:
    first = lines[0]
    if first.startswith("#"):
        hashes = len(first) - len(first.lstrip("#"))
        return Block("heading", text=first[hashes:].strip(), level=hashes)
    if first.startswith("|"):
        return _table(lines)
    figure = FIGURE.match(first)
    if figure and len(lines) == 1:
        return Block("figures", items=figure.group(1).split())
    if first.startswith("- "):
        items: list[str] = []
        for line in lines:
            if line.startswith("- "):
                items.append(line[2:].strip())
            else:
                items[-1] += " " + line.strip()
        return Block("list", items=items)
    return Block("paragraph", text="\n".join(line.strip() for line in lines))


def parse(text: str) -> Document:
    """Blocks of the dialect; blank lines separate blocks, ``$$`` fences keep math whole.

    >>> doc = parse("# T\\n\\n## A\\n\\nSome $x$.\\n\\n$$\\na = b\\n$$\\n\\n- one\\n- two\\n")
    >>> doc.title, [b.kind for b in doc.blocks]
    ('T', ['heading', 'paragraph', 'math', 'list'])
    >>> [b.kind for b in parse("> **Sum.** $a$\\n> $$\\n> x\\n> $$\\n").blocks[0].blocks]
    ['paragraph', 'math']
    """
    lines = text.splitlines()
    title, blocks, chunk = "", [], []
    position = 0

    def flush():
        if chunk:
            blocks.append(_chunk(chunk))
            chunk.clear()

    while position < len(lines):
        line = lines[position].rstrip()
        position += 1
        if line.startswith("# ") and not title:
            title = line[2:].strip()
        elif line.startswith("```"):
            flush()
            body = []
            while not lines[position].startswith("```"):
                body.append(lines[position].rstrip())
                position += 1
            position += 1
            blocks.append(Block("code", text="\n".join(body)))
        elif line.startswith("> ") or line == ">":
            flush()
            body = [line[2:]]
            while position < len(lines) and lines[position].startswith(">"):
                body.append(lines[position][2:].rstrip())
                position += 1
            blocks.append(Block("box", blocks=parse("\n".join(body)).blocks))
        elif line == "$$":
            flush()
            body = []
            while lines[position].rstrip() != "$$":
                body.append(lines[position].rstrip())
                position += 1
            position += 1
            blocks.append(Block("math", text="\n".join(body)))
        elif not line:
            flush()
        elif line.startswith("#") or FIGURE.match(line):
            flush()
            chunk.append(line)
            flush()
        else:
            chunk.append(line)
    flush()
    return Document(title, blocks)
