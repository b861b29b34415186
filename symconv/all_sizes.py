"""The all-sizes theorem as a public API: prove dW, dX and db of the convolution for every
size at once with the formulas the code uses, and render the proof as a document.

Kept apart from :mod:`symconv.api` so ``symconv prove --all-sizes`` loads no layer.
"""

from __future__ import annotations

import json

from symconv.algebra import arithmetic
from symconv.allsizes import AllSizesResult, Formulas
from symconv.allsizes import prove_all_sizes as _prove_all_sizes
from symconv.allsizes.document import ALL_SIZES_FOLDER, document_context
from symconv.render.document import Document, parse
from symconv.render.latex import latex_document
from symconv.render.markdown import markdown_files
from symconv.render.templating import render


def code_formulas() -> Formulas:
    """The size and padding formulas as the code uses them *now*: read from
    :mod:`symconv.algebra.arithmetic` at call time, like the instance pipeline does."""
    names = ("effective_kernel", "output_length", "leftover", "dilated_length",
             "weight_grad_padding", "input_grad_padding")
    return Formulas(**{name: getattr(arithmetic, name) for name in names})


def prove_all_sizes(rank: int = 2, formulas: Formulas | None = None,
                    counterexample: bool = True) -> AllSizesResult:
    """Prove dW, dX and db of the convolution for **every** size at once (rank 1, 2 or 3;
    channels, groups and batch symbolic).

    ``formulas`` defaults to the formulas the code uses (:func:`code_formulas`). The result has
    ``.proven``, ``.identities``, ``.lemmas``, ``.hypotheses``, ``.counterexample`` (CLI-style
    options of the smallest failing small layer, or None), ``.report()`` and ``.text()``.

    ``symconv.prove_all_sizes(rank=1).proven`` is True in about a second.
    """
    return _prove_all_sizes(rank, formulas or code_formulas(), counterexample)


def all_sizes_document(result: AllSizesResult, formulas: Formulas | None = None) -> Document:
    """The document model of a proven all-sizes result (refused when not proven)."""
    context = document_context(result, formulas or code_formulas())
    return parse(render("derivation.md.jinja", folder=ALL_SIZES_FOLDER, **context))


def all_sizes_latex(result: AllSizesResult, formulas: Formulas | None = None) -> str:
    """The all-sizes proof as a compilable LaTeX document."""
    return latex_document(all_sizes_document(result, formulas), {})


def all_sizes_markdown(result: AllSizesResult, stem: str = "derivation",
                       formulas: Formulas | None = None) -> str:
    """The all-sizes proof as Markdown (KaTeX/MathJax math; it has no figures)."""
    return markdown_files(all_sizes_document(result, formulas), {}, stem)[f"{stem}.md"]


def all_sizes_json(result: AllSizesResult) -> str:
    """The report as JSON without its ``seconds`` fields: the same bytes on every run."""
    return json.dumps(without_seconds(result.report()), indent=2) + "\n"


def without_seconds(value):
    """``value`` (a JSON-ready report) with every ``seconds`` field removed."""
    if isinstance(value, dict):
        return {k: without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_seconds(v) for v in value]
    return value
