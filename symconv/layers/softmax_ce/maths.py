"""Softmax followed by cross-entropy, mean over the batch.

    p[n, c] = exp(Z[n, c]) / sum_k exp(Z[n, k])
    L = -(1/N) sum_n sum_c Y[n, c] log p[n, c]

with Y a probability vector per row (one-hot is the special case; class indices are turned
into one-hot rows by the generated code). Two identities, both from SymPy's own derivatives:

1. the Jacobian of softmax, by the quotient rule: ``dp_c/dZ_j = p_c (delta_cj - p_j)``;
2. the gradient of the loss: ``dL/dZ_j = (p_j - Y_j) / N``, which needs ``sum_c Y_c = 1``.

Each side is made a rational function by writing ``Z_k = log E_k`` (``E_k > 0``) and, for
(2), ``Y_last = 1 - sum of the other Y``; the difference is brought to a single fraction by
``sympy.cancel`` (polynomial arithmetic and gcds — exact, no heuristics) and must be 0.
"""

from __future__ import annotations

import numpy as np
import sympy

from symconv.algebra.symbols import SymbolArray
from symconv.engine.contract import Identity, SymbolicForward
from symconv.layers.softmax_ce.spec import SoftmaxSpec

METHOD = ("rational-function identity: Z = log E (E > 0), sum of Y = 1 substituted, "
          "difference cancelled to 0 by sympy.cancel")


def softmax(z: SymbolArray, n: int) -> list[sympy.Expr]:
    row = [sympy.exp(z[n, c]) for c in range(z.shape[1])]
    total = sympy.Add(*row)
    return [entry / total for entry in row]


def symbolic_forward(spec: SoftmaxSpec) -> SymbolicForward:
    """The loss ``L`` (a single entry) from logits Z and targets Y."""
    z = SymbolArray("Z", (spec.batch, spec.classes))
    y = SymbolArray("Y", (spec.batch, spec.classes))
    loss = -sympy.Add(*(y[n, c] * sympy.log(p)
                        for n in range(spec.batch)
                        for c, p in enumerate(softmax(z, n)))) / spec.batch
    output = np.empty((), dtype=object)
    output[()] = loss
    return SymbolicForward(inputs={"Z": z, "Y": y}, output=output, upstream=None)


def derive(forward: SymbolicForward) -> dict[str, np.ndarray]:
    """SymPy's derivatives: the softmax Jacobian ``J[n, c, j]`` and ``dL/dZ``."""
    z = forward.inputs["Z"]
    batch, classes = z.shape
    loss = forward.output[()]
    jacobian = np.empty((batch, classes, classes), dtype=object)
    for n in range(batch):
        for c, p in enumerate(softmax(z, n)):
            for j in range(classes):
                jacobian[n, c, j] = sympy.diff(p, z[n, j])
    gradient = np.empty(z.shape, dtype=object)
    for index, symbol in np.ndenumerate(z.entries):
        gradient[index] = sympy.diff(loss, symbol)
    return {"J": jacobian, "Z": gradient}


def rational_equal(forward: SymbolicForward):
    """Exact equality after ``Z = log E`` and ``Y[n, last] = 1 - sum of the others``."""
    z, y = forward.inputs["Z"], forward.inputs["Y"]
    batch, classes = z.shape
    positive = {z[n, c]: sympy.log(sympy.Symbol(f"E_{{{n},{c}}}", positive=True))
                for n in range(batch) for c in range(classes)}
    normalised = {y[n, classes - 1]: 1 - sympy.Add(*(y[n, c] for c in range(classes - 1)))
                  for n in range(batch)}

    def equal(left, right) -> bool:
        difference = (left - right).xreplace(positive).xreplace(normalised)
        return sympy.cancel(difference) == 0
    return equal


def identities(spec: SoftmaxSpec, forward: SymbolicForward) -> list[Identity]:
    z, y = forward.inputs["Z"], forward.inputs["Y"]
    jacobian = np.empty((spec.batch, spec.classes, spec.classes), dtype=object)
    gradient = np.empty((spec.batch, spec.classes), dtype=object)
    for n in range(spec.batch):
        p = softmax(z, n)
        for c in range(spec.classes):
            gradient[n, c] = (p[c] - y[n, c]) / spec.batch
            for j in range(spec.classes):
                jacobian[n, c, j] = p[c] * ((1 if c == j else 0) - p[j])
    equal = rational_equal(forward)
    return [
        Identity("dsoftmax", "J", "d softmax(Z)_c / dZ_j = p_c (delta_cj - p_j)",
                 r"\frac{\partial p_c}{\partial Z_j} = p_c\,(\delta_{cj} - p_j)", jacobian,
                 method=METHOD, equal=equal),
        Identity("dZ", "Z", "dL/dZ = (softmax(Z) - Y) / N, using sum_c Y_c = 1",
                 r"\frac{\partial L}{\partial Z} = \frac{\operatorname{softmax}(Z) - Y}{N}",
                 gradient, method=METHOD, equal=equal),
    ]


def proof_spec(spec: SoftmaxSpec) -> SoftmaxSpec:
    return spec if spec.forward_terms <= 12 else SoftmaxSpec(min(spec.classes, 4), 1)
