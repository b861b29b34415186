"""The values of the fully connected NumPy module."""

from __future__ import annotations

from symconv.engine.pipeline import Derivation
from symconv.layers.linear.spec import LinearSpec
from symconv.render.module import proof_instance


def module_context(spec: LinearSpec, derivation: Derivation[LinearSpec]) -> dict:
    return {"in_features": spec.in_features, "out_features": spec.out_features,
            "proof_instance": proof_instance(derivation)}
