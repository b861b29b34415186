"""The public Python API: derive and prove a layer, then render any artifact from the proof;
or prove every layer of a whole network and check the chain through it.

>>> import symconv
>>> d = symconv.derive("conv", input=(5, 5), kernel=3, stride=2, padding=1)
>>> d.proven, [r["name"] for r in d.report()["identities"]]
(True, ['dW', 'dX', 'db'])
>>> net = symconv.build_network("conv(2,k3) relu linear(3) softmax-ce", input=(1, 5, 5))
>>> net.proven, [check.passed for check in net.checks]
(True, [True, True])
"""

from __future__ import annotations

import types
from dataclasses import fields
from functools import cached_property
from typing import Any

from symconv.all_sizes import prove_all_sizes  # noqa: F401  (public API)
from symconv.engine import pipeline
from symconv.engine.contract import S
from symconv.layers.registry import layer_and_spec  # noqa: F401  (public API)
from symconv.network import check, document
from symconv.network.artifacts import VerifiedNetwork, verify
from symconv.network.defaults import DEFAULT_INPUT, DEFAULT_MODEL
from symconv.network.spec import parse_model
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


def derive(layer: str = "conv", **options: Any) -> Derivation:
    """Derive and prove ``layer`` for ``options`` (the command-line options, as Python
    values: ``input=(5, 5)``, ``kernel=3``, ``padding=((0, 1), 1)``, ``groups=2``...).

    Bad options raise :class:`symconv.SpecError` naming the option and the rule.
    """
    record, spec = layer_and_spec(layer, options)
    return Derivation.of(pipeline.run(record, spec))


class Network:
    """A whole network with every layer proven and the chain through it checked
    (:func:`build_network`); ``symconv network`` writes :meth:`files`."""

    def __init__(self, verified: VerifiedNetwork):
        self.verified = verified

    @property
    def model(self) -> str:
        """The normalised model text, e.g. ``conv(8,k3,p1) relu ... softmax-ce``."""
        return self.verified.network.spec.model

    @property
    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """``{"0.w": (8, 1, 3, 3), "0.b": (8,), ...}`` in PyTorch layouts."""
        return self.verified.network.spec.parameter_shapes

    @property
    def proven(self) -> bool:
        """Every layer's identities proven (always true: a failure raises instead)."""
        return all(k.derivation.proven for k in self.verified.network.kernels)

    @property
    def checks(self) -> list:
        """The chain checks: the exact one on the tiny instance (``.passed``, ``.compared``,
        ``.relative_error``), then finite differences on the network itself."""
        return self.verified.checks

    def report(self) -> dict:
        """The dict ``proof.json`` holds: shapes, every layer's proof, the chain checks."""
        return self.verified.report()

    def module_source(self) -> str:
        """The text of ``network.py`` (NumPy only)."""
        return self.verified.source

    def module(self) -> types.ModuleType:
        """``network.py`` executed as a module: ``init``, ``loss``, ``gradients``,
        ``predict``..."""
        return check.load(self.module_source())

    @cached_property
    def _files(self) -> dict[str, str]:
        return document.files(self.verified)

    def files(self) -> dict[str, str]:
        """Everything ``symconv network`` writes: ``{file name: content}``."""
        return dict(self._files)

    def latex(self) -> str:
        """The network's ``.tex`` derivation (each layer's own: :meth:`files`)."""
        return self._files["derivation.tex"]

    def markdown(self) -> str:
        """The network's ``.md`` derivation (its figures and each layer's own: :meth:`files`)."""
        return self._files["derivation.md"]

    def _repr_markdown_(self) -> str:
        lines = [f"**{self.model}**: {len(self.parameter_shapes)} parameter arrays, every layer "
                 f"{'proven' if self.proven else '**not proven**'}", ""]
        lines += [f"- {result.line()}" for result in self.checks]
        return "\n".join(lines) + "\n"


def build_network(model: str | None = None, input: Any = DEFAULT_INPUT) -> Network:
    """Prove every layer of ``model`` on inputs of shape ``input`` (``"1x8x8"`` or
    ``(1, 8, 8)``: channels, then 1 to 3 spatial axes) and check the chain through it; no
    ``model`` is the default network of ``symconv train``.

    A bad model raises :class:`symconv.SpecError` naming the layer and the rule; a layer
    that is not proven, or a chain check that fails, raises ``RuntimeError`` /
    ``AssertionError`` (nothing is rendered from it).
    """
    return Network(verify(parse_model(DEFAULT_MODEL if model is None else model, input)))
