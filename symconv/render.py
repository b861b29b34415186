"""The artifacts of a derivation as text: LaTeX, Markdown (+ SVG figures), NumPy module, JSON.

Every function returns content without writing it, so a caller can render everything first
and write nothing when any step fails.
"""

from __future__ import annotations

import json

from symconv.layers import layer_module
from symconv.pipeline import Derivation, run
from symconv.templating import render


def latex_document(derivation: Derivation) -> str:
    """The complete, compilable LaTeX derivation document."""
    template, context = layer_module(derivation.layer).document(derivation)
    return render(f"{template}.tex.jinja", **context)


def markdown_document(derivation: Derivation, stem: str) -> dict[str, str]:
    """``{file name: content}``: ``<stem>.md`` and its SVG figures ``<stem>-<figure>.svg``."""
    template, context = layer_module(derivation.layer).document(derivation)
    colours = dict(context["colours"])
    files = {f"{stem}-{grid.name}.svg": render("figure.svg.jinja", grid=grid, colours=colours)
             for grid in context["figures"]}
    files[f"{stem}.md"] = render(f"{template}.md.jinja", stem=stem, **context)
    return files


def numpy_module(derivation: Derivation) -> str:
    """The NumPy module of the layer the derivation proved."""
    return layer_module(derivation.layer).module_source(derivation.spec, derivation)


def generate(layer: str, spec) -> tuple[str, Derivation]:
    """Prove the layer's identities (on its proof instance) and render its NumPy module."""
    module = layer_module(layer)
    derivation = run(layer, module.proof_spec(spec))
    return module.module_source(spec, derivation), derivation


def proof_json(derivation: Derivation) -> str:
    """The proof report as JSON (no timings, so the same layer gives the same bytes)."""
    return json.dumps(derivation.report(), indent=2) + "\n"
