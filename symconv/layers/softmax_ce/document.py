"""The values of the softmax + cross-entropy document."""

from __future__ import annotations

import sympy

from symconv.engine.pipeline import Derivation
from symconv.layers.softmax_ce.spec import SoftmaxSpec
from symconv.render.proof_table import common_context


def document_context(derivation: Derivation[SoftmaxSpec]) -> dict:
    spec = derivation.spec
    z = derivation.forward.inputs["Z"]
    raw = sympy.latex(derivation.gradients["Z"][0, 0])
    return {
        **common_context(derivation),
        "title": "Backpropagation through softmax and cross-entropy",
        "n": spec.batch, "classes": spec.classes, "z0": z[0, 0].name,
        "sympy_gradient": raw if len(raw) < 600 else "",
        "figures": [],
    }
