"""The artifacts of a derivation as text: LaTeX, Markdown (+ SVG figures), NumPy module, JSON.

Every function returns content without writing it, so a caller can render everything first
and write nothing when any step fails.
"""

from __future__ import annotations

import json

from symconv.codegen import conv_module
from symconv.document import document_context
from symconv.pipeline import Derivation
from symconv.templating import render


def latex_document(derivation: Derivation) -> str:
    """The complete, compilable LaTeX derivation document."""
    return render("derivation.tex.jinja", **document_context(derivation))


def markdown_document(derivation: Derivation, stem: str) -> dict[str, str]:
    """``{file name: content}``: ``<stem>.md`` and its SVG figures ``<stem>-<figure>.svg``."""
    context = document_context(derivation)
    files = {f"{stem}-{grid.name}.svg": render("figure.svg.jinja", grid=grid,
                                               colours=dict(context["colours"]))
             for grid in context["figures"]}
    files[f"{stem}.md"] = render("derivation.md.jinja", stem=stem, **context)
    return files


def numpy_module(derivation: Derivation) -> str:
    return conv_module(derivation.spec, derivation)


def proof_json(derivation: Derivation) -> str:
    """The proof report as JSON (no timings, so the same layer gives the same bytes)."""
    return json.dumps(derivation.report(), indent=2) + "\n"
