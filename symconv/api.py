"""The public Python API: derive and prove a layer, then render any artifact from the proof.

>>> import symconv
>>> d = symconv.derive("conv", input=(5, 5), kernel=3, stride=2, padding=1)
>>> d.proven, [r["name"] for r in d.report()["identities"]]
(True, ['dW', 'dX', 'db'])
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from symconv.algebra import arithmetic
from symconv.allsizes import AllSizesResult, Formulas
from symconv.allsizes import prove_all_sizes as _prove_all_sizes
from symconv.allsizes.document import ALL_SIZES_FOLDER, document_context
from symconv.engine import pipeline
from symconv.engine.contract import Layer, S
from symconv.engine.options import normalise, refuse_foreign
from symconv.layers import layer_named
from symconv.render import artifacts
from symconv.render.document import Document, parse
from symconv.render.latex import latex_document
from symconv.render.markdown import markdown_files
from symconv.render.proof_table import identity_label
from symconv.render.templating import render


class Derivation(pipeline.Derivation[S]):
    """A proven (or refuted) layer with its artifacts one call away.

    ``latex()`` / ``markdown()`` / ``module_source()`` raise
    :class:`~symconv.render.artifacts.NotProvenError` when an identity failed: nothing is
    rendered from a failed proof.
    """

    @classmethod
    def of(cls, derivation: pipeline.Derivation[S]) -> Derivation[S]:
        return cls(**{f.name: getattr(derivation, f.name) for f in fields(derivation)})

    def latex(self) -> str:
        """The ``.tex`` derivation document."""
        return artifacts.latex(self)

    def markdown(self, stem: str = "derivation") -> str:
        """The ``.md`` derivation document (its figures: :meth:`markdown_files`)."""
        return self.markdown_files(stem)[f"{stem}.md"]

    def markdown_files(self, stem: str = "derivation") -> dict[str, str]:
        """``{file name: content}``: the ``.md`` and its SVG figures."""
        return artifacts.markdown(self, stem)

    def module_source(self) -> str:
        """The generated NumPy module for this spec, proven on this instance."""
        return artifacts.module_source(self.spec, self)

    def _repr_markdown_(self) -> str:
        verdict = "proven" if self.proven else "**not proven**"
        lines = [f"**{self.layer.name}**: {self.spec.summary().splitlines()[0]} — {verdict}", "",
                 "| identity | statement | elements | terms | result |",
                 "|---|---|---:|---:|---|"]
        formulas = {identity.name: identity.formula for identity in self.identities}
        for result in self.results:
            lines.append(f"| ${identity_label(result.name)}$ | ${formulas[result.name]}$ | "
                         f"{result.elements} | {result.terms} | "
                         f"{'proven' if result.proven else 'FAILED'} |")
        return "\n".join(lines) + "\n"

    def _repr_latex_(self) -> str:
        rows = " \\\\ ".join(f"{identity.formula} & \\text{{{'proven' if r.proven else 'FAILED'}}}"
                             for identity, r in zip(self.identities, self.results))
        return f"$$\\begin{{array}}{{ll}} {rows} \\end{{array}}$$"


def layer_and_spec(layer: str, options: Mapping[str, Any]) -> tuple[Layer, Any]:
    """The layer called ``layer`` and the spec its (normalised) ``options`` describe."""
    record = layer_named(layer)
    values = normalise(options)
    refuse_foreign(record.name, record.options, values)
    return record, record.spec_from_options(values)


def derive(layer: str = "conv", **options: Any) -> Derivation:
    """Derive and prove ``layer`` for ``options`` (the command-line options, as Python
    values: ``input=(5, 5)``, ``kernel=3``, ``padding=((0, 1), 1)``, ``groups=2``...).

    Bad options raise :class:`symconv.SpecError` naming the option and the rule.
    """
    record, spec = layer_and_spec(layer, options)
    return Derivation.of(pipeline.run(record, spec))


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
