"""The values of the softmax + cross-entropy document, and a worked example (SymPy's
derivative of the loss evaluated at small integer logits and one-hot targets)."""

from __future__ import annotations

import numpy as np
import sympy

from symconv.engine.pipeline import Derivation
from symconv.layers.softmax_ce.spec import SoftmaxSpec
from symconv.render.example_values import small_integers
from symconv.render.proof_table import common_context
from symconv.render.text import Notation
from symconv.render.worked import exact_latex, number_matrices

WORKED_EXAMPLE_UP_TO = 64
"""A worked example is given for at most this many logits."""


def worked_example(derivation: Derivation[SoftmaxSpec]) -> dict | None:
    """Integer logits Z, targets y (class indices) and one-hot Y; the derived ``dL/dZ``
    evaluated there exactly by SymPy, then rounded to float."""
    z, y_symbols = derivation.forward.inputs["Z"], derivation.forward.inputs["Y"]
    batch, classes = z.shape
    if z.entries.size > WORKED_EXAMPLE_UP_TO:
        return None
    logits = small_integers(z.shape, -2, 2, 3)
    targets = (np.arange(batch) * 2 + 1) % classes
    onehot = np.eye(classes, dtype=int)[targets]
    values = {symbol: sympy.Integer(int(logits[index])) for symbol, index in z.index_of.items()}
    values.update({symbol: sympy.Integer(int(onehot[index]))
                   for symbol, index in y_symbols.index_of.items()})
    gradient = np.vectorize(lambda e: float(e.xreplace(values).evalf(30)),
                            otypes=[float])(derivation.gradients["Z"])
    return {"inputs": {"Z": logits, "y": targets, "Y": onehot}, "gradients": {"Z": gradient}}


def worked_context(derivation: Derivation[SoftmaxSpec], example: dict) -> dict:
    logits, onehot = example["inputs"]["Z"], example["inputs"]["Y"]
    batch = logits.shape[0]
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = shifted / shifted.sum(axis=1, keepdims=True)
    dz = example["gradients"]["Z"]
    c = int(example["inputs"]["y"][0])
    z = derivation.forward.inputs["Z"]

    def rounded(array):
        return np.vectorize(lambda v: float(f"{v:.4g}"), otypes=[float])(array)

    return {
        "intro": f"Put small integer logits into the layer, with target classes "
                 f"${tuple(int(t) for t in example['inputs']['y'])}$ as one-hot rows of $Y$",
        "shown": number_matrices([("Z", logits), ("Y", onehot)], 2),
        "evaluated": "The softmax of each row (to four significant digits) and SymPy's "
                     "derivative of the loss, evaluated exactly at these numbers, are",
        "results": number_matrices([("p", rounded(p)),
                                    (r"\partial L/\partial Z", rounded(dz))], 2),
        "after": "Each row of $\\partial L/\\partial Z$ sums to 0.",
        "check": {"lhs": rf"\partial L/\partial {z[0, c].name}",
                  "terms": [rf"\tfrac{{1}}{{{batch}}}\,(p_{{0,{c}}} - Y_{{0,{c}}})"],
                  "numbers": [rf"\tfrac{{1}}{{{batch}}}\,({exact_latex(float(f'{p[0, c]:.4g}'))}"
                              " - 1)"],
                  "value": rf"{exact_latex(float(f'{dz[0, c]:.4g}'))}"},
        "call": "backward(z, y)",
    }


def exercises(spec: SoftmaxSpec) -> list[dict]:
    return [
        {"question": r"Why does every row of $\partial L/\partial Z$ sum to 0?",
         "answer": r"Row $n$ is $(p_{n,\cdot} - Y_{n,\cdot})/N$, and both $p_{n,\cdot}$ and "
                   r"$Y_{n,\cdot}$ sum to 1. Raising every logit of a row by the same amount "
                   "does not change the loss, so the gradient has no component along that "
                   "direction."},
        {"question": "Add 100 to every logit of one row. What happens to $p$, to the loss "
                     "and to the gradient?",
         "answer": r"Nothing: $e^{Z_c + 100} / \sum_k e^{Z_k + 100} = p_c$. The generated "
                   "code uses this to subtract each row's maximum before exponentiating, so "
                   "large logits do not overflow."},
        {"question": r"For a one-hot target $c$, what sign does $\partial L/\partial Z_{n,c}$ "
                     "have, and what do the other entries of the row have?",
         "answer": r"$(p_{n,c} - 1)/N < 0$: gradient descent raises the target's logit. "
                   r"Every other entry is $p_{n,j}/N > 0$, so the other logits are lowered."},
        {"question": f"Where does the factor $1/N$ (here $N = {spec.batch}$) come from?",
         "answer": "From the mean over the batch in the loss; with a summed loss it is "
                   "absent."},
    ]


def sum_lines(notation: Notation, expression: sympy.Expr) -> list[str]:
    """SymPy's expression as one line per term of its outer sum, signs leading."""
    terms = (expression.as_ordered_terms() if isinstance(expression, sympy.Add)
             else [expression])
    lines = []
    for term in terms:
        text = notation.latex(term)
        lines.append(text if not lines else
                     "- " + text[1:].lstrip() if text.startswith("-") else "+ " + text)
    return lines


def document_context(derivation: Derivation[SoftmaxSpec]) -> dict:
    spec = derivation.spec
    z = derivation.forward.inputs["Z"]
    raw = sum_lines(Notation(z), derivation.gradients["Z"][0, 0])
    example = worked_example(derivation)
    return {
        **common_context(derivation),
        "title": "Backpropagation through softmax and cross-entropy",
        "n": spec.batch, "classes": spec.classes, "z0": z[0, 0].name,
        "sympy_gradient": raw if len("".join(raw)) < 600 else [],
        "worked": worked_context(derivation, example) if example else None,
        "exercises": exercises(spec),
        "figures": [],
    }
