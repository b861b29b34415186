"""The values of the softmax + cross-entropy NumPy module."""

from __future__ import annotations

from symconv.engine.pipeline import Derivation
from symconv.layers.softmax_ce.spec import SoftmaxSpec
from symconv.render.module import proof_instance


def module_context(spec: SoftmaxSpec, derivation: Derivation[SoftmaxSpec]) -> dict:
    return {"classes": spec.classes, "proof_instance": proof_instance(derivation)}
