"""The values of the ReLU NumPy module and its proof instance."""

from __future__ import annotations

from symconv.engine.pipeline import Derivation
from symconv.layers.relu.spec import ElementwiseSpec
from symconv.render.module import proof_instance


def proof_spec(spec: ElementwiseSpec) -> ElementwiseSpec:
    """The layer itself, or a 4-per-axis piece of it: every entry is proven alike."""
    if spec.forward_terms <= 256:
        return spec
    return ElementwiseSpec(spec.layer, tuple(min(n, 4) for n in spec.spatial), 1, 1)


def module_context(spec: ElementwiseSpec, derivation: Derivation[ElementwiseSpec]) -> dict:
    return {"proof_instance": proof_instance(derivation)}
