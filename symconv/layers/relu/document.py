"""The values of the ReLU document: SymPy's derivative, the proven mask on example values,
and a worked example (the derived gradient evaluated at small integers)."""

from __future__ import annotations

import numpy as np
import sympy

from symconv.engine.pipeline import Derivation
from symconv.layers.relu.maths import region
from symconv.layers.relu.spec import ElementwiseSpec
from symconv.render.example_values import small_integers
from symconv.render.figures import grid_from_labels, plane
from symconv.render.proof_table import common_context
from symconv.render.text import Notation
from symconv.render.window_text import latex_axes
from symconv.render.worked import by_hand, evaluate_all, number_matrices, symbol_values


def example_input(shape: tuple[int, ...]) -> np.ndarray:
    """Small non-zero integers in an irregular pattern (0, where ReLU has no derivative, is
    left out)."""
    values = small_integers(shape, -4, 3, 4)
    return np.where(values >= 0, values + 1, values)


def worked_example(derivation: Derivation[ElementwiseSpec]) -> dict:
    """X and G as small integers; the derived gradient there (indicators from X's signs)."""
    x, g = derivation.forward.inputs["X"], derivation.forward.upstream
    arrays = {"X": example_input(x.shape), "G": small_integers(g.shape, -1, 3, 2)}
    values = symbol_values([(x, arrays["X"]), (g, arrays["G"])])
    for symbol, index in x.index_of.items():
        values[region(symbol, ">")] = float(arrays["X"][index] > 0)
        values[region(symbol, "<")] = float(arrays["X"][index] < 0)
    return {"inputs": arrays, "gradients": evaluate_all(derivation.gradients, values),
            "values": values}


def worked_context(derivation: Derivation[ElementwiseSpec], notation: Notation,
                   example: dict) -> dict:
    rank = len(derivation.spec.spatial)
    x, g = example["inputs"]["X"], example["inputs"]["G"]
    dx = example["gradients"]["X"]
    # by hand: the first entry that passes a non-zero gradient
    u = next((u for u in np.ndindex(*x.shape) if x[u] > 0 and g[u] != 0), (0,) * x.ndim)
    symbol = derivation.forward.inputs["X"][u]
    return {
        "intro": "Put small integers into the input and the upstream gradient"
                 + (" (image 0, channel 0 shown)" if x.shape[0] * x.shape[1] > 1 else ""),
        "shown": number_matrices([("X", x), ("G", g)], rank),
        "evaluated": "The derived gradient at these numbers keeps $G$ where $X > 0$ and is 0 "
                     "elsewhere:",
        "results": number_matrices([(r"\partial L/\partial X", dx)], rank),
        "after": "",
        "check": by_hand(notation, notation.partial(symbol),
                         derivation.gradients["X"][u], example["values"]),
        "call": "backward(dy, x)",
    }


def exercises(derivation: Derivation[ElementwiseSpec], notation: Notation,
              example: dict) -> list[dict]:
    x = example["inputs"]["X"]
    names = derivation.forward.inputs["X"]
    stopped = [f"${notation.name(names[u])}$" for u in np.ndindex(*x.shape) if x[u] < 0]
    shown = ", ".join(stopped[:8]) + (", ..." if len(stopped) > 8 else "")
    first = notation.name(names[(0,) * x.ndim])
    return [
        {"question": "In the worked example, which entries of $\\partial L/\\partial X$ are 0 "
                     "whatever $G$ is, and why?",
         "answer": f"The {len(stopped)} entries where $X$ is negative ({shown}): there the "
                   "output is the constant 0, so no change of the input reaches the loss."},
        {"question": "If the upstream gradient $G$ is all ones, what is "
                     "$\\partial L/\\partial X$?",
         "answer": "The mask $[X > 0]$ itself: 1 where the input is positive, 0 elsewhere "
                   "(the right-hand figure above)."},
        {"question": f"How many terms does $\\partial L/\\partial {first}$ have, and which "
                     "array entries does it involve?",
         "answer": f"One: ${notation.name(derivation.forward.upstream[(0,) * x.ndim])}$ "
                   f"times the indicator $[{first} > 0]$. Each output depends on one input "
                   "only, so the backward pass is entry by entry, like the forward pass."},
        {"question": "ReLU has no derivative at $X_u = 0$. What does the generated module "
                     "return there, and does the proof cover it?",
         "answer": "0, like PyTorch (the mask is $[X > 0]$). The proof covers the open "
                   "regions $X_u > 0$ and $X_u < 0$ only; the value at 0 is a convention."},
    ]


def document_context(derivation: Derivation[ElementwiseSpec]) -> dict:
    spec = derivation.spec
    x = derivation.forward.inputs["X"]
    g = derivation.forward.upstream
    first = (0,) * len(spec.shape)
    derived = derivation.gradients["X"][first]
    notation = Notation(g, x)
    for symbol in x.entries.flat:   # [X_u > 0] with the document's name of X_u
        for sign in "<>":
            notation.rename(region(symbol, sign), f"[{notation.name(symbol)} {sign} 0]")
    example = worked_example(derivation)
    values = plane(example["inputs"]["X"][0, 0], len(spec.spatial))
    kinds = np.where(values > 0, "hit", "input")
    depth = " (depth slice 0)" if len(spec.spatial) == 3 else ""
    return {
        **common_context(derivation),
        "title": "Backpropagation through ReLU",
        "shape": latex_axes(spec.shape),
        "x": notation.name(x[first]), "g": notation.name(g[first]),
        "superscripts": notation.superscripts["X"],
        "position_index": ",".join("ijk"[:len(spec.spatial)]),
        "sympy_derivative": notation.latex(sympy.diff(derivation.forward.output[first],
                                                      x[first])),
        "derived": " + ".join(notation.sorted_terms(derived)),
        "worked": worked_context(derivation, notation, example),
        "exercises": exercises(derivation, notation, example),
        "figures": [
            grid_from_labels("values", "Left: the input values of the worked example below "
                             "(image 0, channel 0)", np.vectorize(str)(values), kinds,
                             title="$X$" + depth),
            grid_from_labels("mask", r"Right: the mask $[X > 0]$, where the gradient passes",
                             np.where(values > 0, "1", "0"), kinds,
                             title="$[X > 0]$" + depth),
        ],
    }
