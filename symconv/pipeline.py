"""The generic flow: spec -> symbolic forward -> derivation -> proof.

A layer module provides ``symbolic_forward(spec)`` and ``identities(spec, forward)``; this
module times each stage and collects the results. Rendering happens elsewhere, from a
:class:`Derivation`.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field

import numpy as np

from symconv.derive import derive
from symconv.errors import SpecError
from symconv.layers import layer_module
from symconv.model import Identity, SymbolicForward
from symconv.prove import IdentityResult, check

MAX_SYMBOLIC_TERMS = 3_000_000
"""Refuse instances whose forward pass has more products than this (minutes of work)."""


@dataclass
class Derivation:
    """Everything the renderers need: spec, symbols, gradients, identities and their proofs."""

    layer: str
    spec: object
    forward: SymbolicForward
    gradients: dict[str, np.ndarray]
    identities: list[Identity]
    results: list[IdentityResult]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def proven(self) -> bool:
        return all(result.proven for result in self.results)

    @property
    def terms(self) -> int:
        """The size of the forward pass, as the spec counts it (products W * X for conv)."""
        return self.spec.forward_terms

    def report(self) -> dict:
        return {
            "layer": self.layer,
            "spec": self.spec.as_dict(),
            "proven": self.proven,
            "identities": [result.as_dict() for result in self.results],
        }


def run(layer: str, spec) -> Derivation:
    """Derive and prove every identity of ``layer`` on the instance ``spec``.

    Python's cyclic garbage collector is paused meanwhile: the millions of small tuples and
    dictionaries built here hold no cycles, and rescanning them made large layers several
    times slower.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _run(layer, spec)
    finally:
        if paused:
            gc.enable()


def _run(layer: str, spec) -> Derivation:
    module = layer_module(layer)
    budget, limit = spec.forward_terms, getattr(module, "MAX_TERMS", MAX_SYMBOLIC_TERMS)
    if budget > limit:
        raise SpecError(spec.size_option, f"instance has {budget:,} forward terms; the "
                                          f"symbolic limit for --layer {layer} is {limit:,}")
    seconds = {}
    start = time.perf_counter()
    forward = module.symbolic_forward(spec)
    seconds["forward"] = time.perf_counter() - start
    start = time.perf_counter()
    gradients = getattr(module, "derive", derive)(forward)
    seconds["derive"] = time.perf_counter() - start
    start = time.perf_counter()
    identities = module.identities(spec, forward)
    seconds["closed_forms"] = time.perf_counter() - start
    results = []
    for identity in identities:
        start = time.perf_counter()
        result = check(identity, gradients[identity.wrt])
        result.seconds = time.perf_counter() - start
        results.append(result)
    seconds["prove"] = sum(result.seconds for result in results)
    return Derivation(layer, spec, forward, gradients, identities, results, seconds)
