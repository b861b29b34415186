"""The values of the fully connected document, read from the proven derivation."""

from __future__ import annotations

from symconv.engine.pipeline import Derivation
from symconv.layers.linear.maths import LinearSpec
from symconv.render.proof_table import common_context
from symconv.render.text import entry_order, equation, matrix_latex, symbol_key
from symconv.render.window_text import example_positions


def partial(symbol) -> str:
    return rf"\frac{{\partial L}}{{\partial {symbol.name}}}"


def document_context(derivation: Derivation[LinearSpec]) -> dict:
    spec = derivation.spec
    forward = derivation.forward
    x, w, b = (forward.inputs[k] for k in ("X", "W", "b"))
    g = forward.upstream
    key = symbol_key(entry_order(b, g, w, x))
    gradients = derivation.gradients
    return {
        **common_context(derivation),
        "title": "Backpropagation through a fully connected layer",
        "n": spec.batch, "fin": spec.in_features, "fout": spec.out_features,
        "forward_examples": [equation(g[(n, o)].name.replace("G", "Y", 1),
                                      forward.output[n, o], key)
                             for n, o in example_positions((spec.batch, spec.out_features))],
        "dx_examples": [equation(partial(x[n, i]), gradients["X"][n, i], key)
                        for n, i in example_positions(x.shape)],
        "dw_examples": [equation(partial(w[o, i]), gradients["W"][o, i], key)
                        for o, i in example_positions(w.shape)],
        "db_example": equation(partial(b[0]), gradients["b"][0], key),
        "matrices": {"X": matrix_latex(x.entries), "W": matrix_latex(w.entries),
                     "G": matrix_latex(g.entries)},
        "figures": [],
    }
