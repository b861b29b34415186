"""The layer contract: what every layer hands to the generic pipeline and to the renderers.

A layer is one :class:`Layer` record (every hook required and typed) in the explicit registry
``symconv.layers.registry.LAYERS``. The maths hooks (``spec_from_options``, ``symbolic_forward``,
``derive``, ``identities``) never import presentation; the presentation hooks
(``document_context``, ``module_context``) read only a :class:`Proof` — the arrays the
proof checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:   # annotations only: the spec modules import this without NumPy or SymPy
    import numpy as np

    from symconv.algebra.symbols import SymbolArray


class Spec(Protocol):
    """What the pipeline and the reports need of any layer spec (frozen, validated)."""

    size_option: str

    @property
    def forward_terms(self) -> int: ...

    @property
    def symbol_count(self) -> int: ...

    def summary(self) -> str: ...

    def as_dict(self) -> dict: ...


S = TypeVar("S", bound=Spec)

TERMS_MEANING = ("terms: monomials of the derived side summed over every element (for a "
                 "rational identity, monomials of each entry's numerator over a common "
                 "denominator)")


@dataclass
class SymbolicForward:
    """A layer's forward pass on symbols.

    ``inputs`` are the arrays the loss is differentiated with respect to (``X``, ``W``, ``b``);
    ``output`` holds one entry per output (``O``): a polynomial (term dictionary) for the
    polynomial layers, a SymPy expression otherwise; ``upstream`` is ``G = dL/dO``, an array
    of free symbols with the shape of ``output`` (``None`` when the layer ends in the loss).
    ``parts`` are named intermediate arrays the forward was built from (``X_p``, the padded
    input), kept so documents show what the proof used.
    """

    inputs: dict[str, SymbolArray]
    output: np.ndarray
    upstream: SymbolArray | None
    parts: dict[str, np.ndarray] = field(default_factory=dict)


def dictionaries_equal(left, right) -> bool:
    """Exact equality of two canonical term dictionaries (the expanded difference is 0)."""
    return left == right


POLYNOMIAL_METHOD = ("canonical term-dictionary comparison (the expanded difference is "
                     "identically zero)")


@dataclass
class Identity:
    """One claim: the derived array ``wrt`` equals ``closed``, element by element.

    ``name`` is short (``"dW"``); ``statement`` says in words what ``closed`` was built from
    and ``formula`` says it in LaTeX math; ``parts`` are the named intermediate arrays the
    closed form was built from (``G_s``, ``G_q``, ``rot180(W)``...), which the documents
    print; ``method`` names the exact comparison and ``equal`` performs it.
    """

    name: str
    wrt: str
    statement: str
    formula: str
    closed: np.ndarray
    parts: dict[str, np.ndarray] = field(default_factory=dict)
    method: str = POLYNOMIAL_METHOD
    equal: Callable[[Any, Any], bool] = dictionaries_equal


class Proof(Protocol[S]):
    """What the presentation hooks read of a proven derivation
    (:class:`symconv.engine.pipeline.Derivation` has all of it)."""

    spec: S
    forward: SymbolicForward
    derived: dict[str, np.ndarray]
    identities: list[Identity]
    results: list

    @property
    def gradients(self) -> dict[str, np.ndarray]: ...

    @property
    def proven(self) -> bool: ...

    @property
    def terms(self) -> int: ...

    def identity(self, name: str) -> Identity: ...


Options = Mapping[str, Any]
"""Parsed option values by name (``input``, ``kernel``...); absent options are missing."""


@dataclass(frozen=True)
class Layer(Generic[S]):
    """Everything symconv knows about one layer; every hook is required.

    Maths: ``options`` (names it accepts), ``spec_from_options``, ``symbolic_forward``,
    ``derive`` (the chain rule: polynomial layers use :func:`symconv.engine.derive.derive`),
    ``identities`` (closed forms built from the verbs), ``max_terms`` (symbolic budget).
    Artifacts: ``proof_spec`` (the instance proven for a generated module),
    ``document_context`` (values for ``derivation.md.jinja`` in ``folder``),
    ``module_context`` (values for ``module_template``), ``signature``; ``module_name`` names
    the generated file (``conv.py``); ``worked_example`` (the numbers of the document's worked
    example: ``{"inputs": arrays by name, "gradients": derived gradients at them}``, or
    ``None`` for a layer too large to show; tests run the generated module on the same
    inputs).
    """

    name: str
    module_name: str
    signature: str
    options: frozenset[str]
    spec_from_options: Callable[[Options], S]
    symbolic_forward: Callable[[S], SymbolicForward]
    derive: Callable[[SymbolicForward], dict[str, np.ndarray]]
    identities: Callable[[S, SymbolicForward], list[Identity]]
    max_terms: int
    proof_spec: Callable[[S], S]
    document_context: Callable[[Proof[S]], dict]
    worked_example: Callable[[Proof[S]], dict | None]
    module_context: Callable[[S, Proof[S]], dict]
    module_template: str
    folder: Path
