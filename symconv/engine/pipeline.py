"""The generic flow: spec -> symbolic forward -> derivation -> closed forms -> proof.

Steps, each timed:
1. ``layer.symbolic_forward(spec)`` builds X, W, b, G and the output O on symbols;
2. ``layer.derive(forward)`` applies the chain rule (the derivative of ``<G, O>``);
3. ``layer.identities(spec, forward)`` builds the closed forms from the verbs;
4. :func:`symconv.engine.prove.check` compares every element exactly.
Rendering happens elsewhere, from the :class:`Derivation` this returns.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from typing import Generic

import numpy as np

from symconv.engine.budget import check_budget
from symconv.engine.contract import TERMS_MEANING, Identity, Layer, S, SymbolicForward
from symconv.engine.prove import IdentityResult, check


@dataclass
class Derivation(Generic[S]):
    """Everything the renderers need: the spec, the symbols, the derived arrays, the closed
    forms with the intermediate arrays they were built from, and the proof of each identity.

    ``derived[name]`` is what the chain rule produced; for every input array ``name`` (``X``,
    ``W``, ``b``...) it has that array's shape. ``gradients`` holds just those.
    """

    layer: Layer[S]
    spec: S
    forward: SymbolicForward
    derived: dict[str, np.ndarray]
    identities: list[Identity]
    results: list[IdentityResult]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def proven(self) -> bool:
        return bool(self.results) and all(result.proven for result in self.results)

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """``dL/d<name>`` for every input array, shaped like that array."""
        return {name: self.derived[name] for name in self.forward.inputs if name in self.derived}

    @property
    def terms(self) -> int:
        """The size of the forward pass, as the spec counts it (products W * X for conv)."""
        return self.spec.forward_terms

    def identity(self, name: str) -> Identity:
        """The identity called ``name`` (``"dX"``)."""
        return next(identity for identity in self.identities if identity.name == name)

    def report(self) -> dict:
        return {
            "layer": self.layer.name,
            "spec": self.spec.as_dict(),
            "proven": self.proven,
            "terms_meaning": TERMS_MEANING,
            "identities": [result.as_dict() for result in self.results],
        }


def run(layer: Layer[S], spec: S) -> Derivation[S]:
    """Derive and prove every identity of ``layer`` on the instance ``spec``.

    Python's cyclic garbage collector is paused meanwhile: the millions of small tuples and
    dictionaries built here hold no cycles, and rescanning them made large layers several
    times slower.
    """
    check_budget(layer.name, layer.max_terms, spec)
    paused = gc.isenabled()
    gc.disable()
    try:
        return _run(layer, spec)
    finally:
        if paused:
            gc.enable()


def _run(layer: Layer[S], spec: S) -> Derivation[S]:
    seconds = {}
    start = time.perf_counter()
    forward = layer.symbolic_forward(spec)
    seconds["forward"] = time.perf_counter() - start
    start = time.perf_counter()
    derived = layer.derive(forward)
    seconds["derive"] = time.perf_counter() - start
    start = time.perf_counter()
    identities = layer.identities(spec, forward)
    seconds["closed_forms"] = time.perf_counter() - start
    results = []
    for identity in identities:
        start = time.perf_counter()
        result = check(identity, derived[identity.wrt])
        result.seconds = time.perf_counter() - start
        results.append(result)
    seconds["prove"] = sum(result.seconds for result in results)
    return Derivation(layer, spec, forward, derived, identities, results, seconds)
