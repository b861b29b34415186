"""The values of the fully connected document, read from the proven derivation, and a
worked example (the derived gradients evaluated at small integers)."""

from __future__ import annotations

import numpy as np

from symconv.engine.pipeline import Derivation
from symconv.layers.linear.spec import LinearSpec
from symconv.render.example_values import small_integers
from symconv.render.proof_table import common_context
from symconv.render.text import Notation
from symconv.render.window_text import positions_shown
from symconv.render.worked import by_hand, evaluate_all, number_matrices, symbol_values


def worked_example(derivation: Derivation[LinearSpec]) -> dict:
    """X, W and G as small integers (b = 0: it does not enter the gradients)."""
    forward = derivation.forward
    x, w, b = (forward.inputs[k] for k in ("X", "W", "b"))
    g = forward.upstream
    arrays = {"X": small_integers(x.shape, -2, 2), "W": small_integers(w.shape, -2, 2, 1),
              "G": small_integers(g.shape, -1, 2, 2), "b": np.zeros(b.shape, dtype=int)}
    values = symbol_values((symbols, arrays[name]) for name, symbols
                           in (("X", x), ("W", w), ("G", g), ("b", b)))
    return {"inputs": arrays, "gradients": evaluate_all(derivation.gradients, values),
            "values": values}


def worked_context(derivation: Derivation[LinearSpec], notation: Notation,
                   example: dict) -> dict:
    inputs, gradients = example["inputs"], example["gradients"]
    db = gradients["b"][None, :]
    x = derivation.forward.inputs["X"]
    return {
        "intro": "Put small integers into the layer",
        "shown": number_matrices([(name, inputs[name]) for name in "XWG"], 2),
        "evaluated": r"At these numbers the derived sums are the products $G W$ and "
                     r"$G^{\mathsf T} X$ and the column sums of $G$:",
        "results": number_matrices([(r"\partial L/\partial X", gradients["X"]),
                                    (r"\partial L/\partial W", gradients["W"]),
                                    (r"\partial L/\partial b", db)], 2),
        "after": "",
        "check": by_hand(notation, notation.partial(x[0, 0]), derivation.gradients["X"][0, 0],
                         example["values"]),
        "call": "backward(dy, x, w)",
    }


def exercises(spec: LinearSpec, notation: Notation, derivation) -> list[dict]:
    w, g = derivation.forward.inputs["W"], derivation.forward.upstream
    column = ", ".join(f"${notation.name(w[o, 0])}$" for o in range(spec.out_features))
    return [
        {"question": r"What shape has $\partial L/\partial W$, and how does the product "
                     r"$G^{\mathsf T} X$ produce it?",
         "answer": f"${spec.out_features} \\times {spec.in_features}$, the shape of $W$: "
                   f"$G^{{\\mathsf T}}$ is ${spec.out_features} \\times {spec.batch}$ and $X$ "
                   f"is ${spec.batch} \\times {spec.in_features}$, so the batch index is "
                   "summed away."},
        {"question": r"Which weights appear in $\partial L/\partial X_{0,0}$, and why those?",
         "answer": f"Column 0 of $W$: {column}. Input feature 0 of row 0 reaches every "
                   "output of row 0, output $o$ through $W_{o,0}$."},
        {"question": r"Why does $\partial L/\partial W$ add up contributions of every row of "
                     "the batch, while $\\partial L/\\partial X$ does not?",
         "answer": f"All {spec.batch} rows use the same $W$, so each row's share adds up "
                   f"({spec.batch} terms per entry); row $n$ of $X$ affects only row $n$ of "
                   "$Y$."},
        {"question": r"Write $\partial L/\partial b$ as a matrix product.",
         "answer": r"$\mathbf 1^{\mathsf T} G$ with $\mathbf 1$ a column of "
                   f"{spec.batch} ones: the column sums of $G$, e.g. "
                   f"$\\partial L/\\partial b_{{0}} = "
                   + " + ".join(notation.name(g[n, 0]) for n in range(min(spec.batch, 4)))
                   + (r" + \cdots" if spec.batch > 4 else "") + "$."},
    ]


def document_context(derivation: Derivation[LinearSpec]) -> dict:
    spec = derivation.spec
    forward = derivation.forward
    x, w, b = (forward.inputs[k] for k in ("X", "W", "b"))
    g = forward.upstream
    notation = Notation(b, g, w, x)
    gradients = derivation.gradients
    equation, partial = notation.equation, notation.partial
    example = worked_example(derivation)
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
        "matrices": number_matrices([("G", g.entries), ("W", w.entries), ("X", x.entries)], 2,
                                    notation),
        "worked": worked_context(derivation, notation, example),
        "exercises": exercises(spec, notation, derivation),
        "figures": [],
    }
