"""The values of the ReLU document: SymPy's derivative, the proven mask on example values."""

from __future__ import annotations

import numpy as np
import sympy

from symconv.engine.pipeline import Derivation
from symconv.layers.relu.spec import ElementwiseSpec
from symconv.render.example_values import example_values
from symconv.render.figures import grid_from_labels, plane
from symconv.render.proof_table import common_context
from symconv.render.text import Notation
from symconv.render.window_text import latex_axes


def document_context(derivation: Derivation[ElementwiseSpec]) -> dict:
    spec = derivation.spec
    x = derivation.forward.inputs["X"]
    g = derivation.forward.upstream
    first = (0,) * len(spec.shape)
    derived = derivation.gradients["X"][first]
    notation = Notation(g, x)
    values = plane(example_values(spec.shape), len(spec.spatial))
    kinds = np.where(values > 0, "grad", "pad")
    return {
        **common_context(derivation),
        "title": "Backpropagation through ReLU",
        "shape": latex_axes(spec.shape),
        "x": notation.name(x[first]), "g": notation.name(g[first]),
        "sympy_derivative": sympy.latex(sympy.diff(derivation.forward.output[first], x[first])),
        "derived": " + ".join(notation.sorted_terms(derived)),
        "figures": [
            grid_from_labels("values", "Left: example input values (image 0, channel 0)",
                             np.vectorize(str)(values), kinds, title="$X$"),
            grid_from_labels("mask", r"Right: the mask $[X > 0]$, where the gradient passes",
                             np.where(values > 0, "1", "0"), kinds, title="$[X > 0]$"),
        ],
    }
