"""The values of the fully connected document, read from the proven derivation."""

from __future__ import annotations

from symconv.engine.pipeline import Derivation
from symconv.layers.linear.spec import LinearSpec
from symconv.render.proof_table import common_context
from symconv.render.text import Notation
from symconv.render.window_text import positions_shown


def document_context(derivation: Derivation[LinearSpec]) -> dict:
    spec = derivation.spec
    forward = derivation.forward
    x, w, b = (forward.inputs[k] for k in ("X", "W", "b"))
    g = forward.upstream
    notation = Notation(b, g, w, x)
    gradients = derivation.gradients
    equation, partial = notation.equation, notation.partial
    return {
        **common_context(derivation),
        "title": "Backpropagation through a fully connected layer",
        "n": spec.batch, "fin": spec.in_features, "fout": spec.out_features,
        "forward_examples": [equation(g[(n, o)].name.replace("G", "Y", 1),
                                      forward.output[n, o])
                             for n, o in positions_shown((spec.batch, spec.out_features), 1)],
        "dx_examples": [equation(partial(x[n, i]), gradients["X"][n, i])
                        for n, i in positions_shown(x.shape, 1)],
        "dw_examples": [equation(partial(w[o, i]), gradients["W"][o, i])
                        for o, i in positions_shown(w.shape, 1)],
        "db_example": equation(partial(b[0]), gradients["b"][0]),
        "matrices": {"X": notation.matrix(x.entries), "W": notation.matrix(w.entries),
                     "G": notation.matrix(g.entries)},
        "figures": [],
    }
