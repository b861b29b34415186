"""The public Python API: derive and prove a layer, then render any artifact from the proof.

>>> import symconv
>>> d = symconv.derive("conv", input=(5, 5), kernel=3, stride=2, padding=1)
>>> d.proven, [r["name"] for r in d.report()["identities"]]
(True, ['dW', 'dX', 'db'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from symconv.all_sizes import prove_all_sizes  # noqa: F401  (public API)
from symconv.engine import pipeline
from symconv.engine.contract import Layer, S
from symconv.layers.registry import layer_named
from symconv.layers.specs import checked_spec
from symconv.render import artifacts
from symconv.render.proof_table import identity_label


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
    spec = checked_spec(layer, options, within_budget=False)
    return layer_named(layer), spec


def derive(layer: str = "conv", **options: Any) -> Derivation:
    """Derive and prove ``layer`` for ``options`` (the command-line options, as Python
    values: ``input=(5, 5)``, ``kernel=3``, ``padding=((0, 1), 1)``, ``groups=2``...).

    Bad options raise :class:`symconv.SpecError` naming the option and the rule.
    """
    record, spec = layer_and_spec(layer, options)
    return Derivation.of(pipeline.run(record, spec))
