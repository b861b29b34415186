"""The artifacts of a proven derivation as text: LaTeX, Markdown (+ SVG figures), the NumPy
module, the JSON report.

Every function returns content without writing it, so a caller can render everything first
and write nothing when any step fails; none renders an identity that was not proven.
"""

from __future__ import annotations

import json
import re

from symconv.engine.contract import Layer, S
from symconv.engine.pipeline import Derivation, run
from symconv.render.document import Document, parse
from symconv.render.figures import Grid
from symconv.render.latex import latex_document
from symconv.render.markdown import markdown_files
from symconv.render.module import proof_lines
from symconv.render.templating import render
from symconv.testing.verify import check_line, verify_module


class NotProvenError(RuntimeError):
    """An artifact was asked for a derivation with an identity that failed."""

    def __init__(self, derivation: Derivation):
        failed = ", ".join(r.name for r in derivation.results if not r.proven) or "none checked"
        super().__init__(f"identity not proven ({failed}); nothing was rendered")
        self.derivation = derivation


def _require_proven(derivation: Derivation) -> None:
    if not derivation.proven:
        raise NotProvenError(derivation)


def document(derivation: Derivation) -> tuple[Document, dict[str, Grid]]:
    """The document model of a proven derivation, and the figures it refers to."""
    _require_proven(derivation)
    context = derivation.layer.document_context(derivation)
    text = render("derivation.md.jinja", folder=derivation.layer.folder, **context)
    figures = [*context["figures"], context["warmup_figure"]]
    return parse(text), {figure.name: figure for figure in figures}


def latex(derivation: Derivation) -> str:
    """The complete, compilable LaTeX derivation document."""
    return latex_document(*document(derivation))


def markdown(derivation: Derivation, stem: str) -> dict[str, str]:
    """``{file name: content}``: ``<stem>.md`` and its SVG figures ``<stem>-<figure>.svg``."""
    model, grids = document(derivation)
    return markdown_files(model, grids, stem)


def module_source(spec: S, derivation: Derivation[S]) -> str:
    """The NumPy module for ``spec``, whose identities ``derivation`` proved (on the layer's
    proof instance: the same geometry, perhaps fewer channels or a shorter input).

    Before it is returned the module's ``backward`` is checked against the derivation by
    :mod:`symconv.testing` (raises :class:`~symconv.testing.verify.ModuleCheckError`); its
    docstring says what was checked."""
    _require_proven(derivation)
    layer = derivation.layer

    def source(line: str) -> str:
        text = render(layer.module_template, folder=layer.folder, check_line=line,
                      proof_lines=proof_lines(derivation),
                      **layer.module_context(spec, derivation))
        # blocks a template leaves out leave their blank lines: at most two in a row (PEP 8)
        return re.sub(r"\n{4,}", "\n\n\n", text).rstrip("\n") + "\n"

    return source(check_line(verify_module(source(""), spec, derivation)))


def generate(layer: Layer[S], spec: S) -> tuple[str | None, Derivation[S]]:
    """Prove the layer on its proof instance; the module source, or ``None`` if not proven."""
    derivation = run(layer, layer.proof_spec(spec))
    if not derivation.proven:
        return None, derivation
    return module_source(spec, derivation), derivation


def proof_json(derivation: Derivation) -> str:
    """The proof report as JSON (no timings, so the same layer gives the same bytes)."""
    return json.dumps(derivation.report(), indent=2) + "\n"
