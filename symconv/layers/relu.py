"""ReLU: ``Y = max(X, 0)`` elementwise, and ``dX = dY * [X > 0]``.

The derivative of ``max(x, 0)`` does not exist at ``x = 0``; SymPy writes it as
``Heaviside(x)``. The proof evaluates SymPy's derivative on the two open regions where it
is defined — ``X > 0`` (substitute ``X = p`` with ``p > 0``) and ``X < 0`` (``X = -p``) —
and compares with the mask. At ``X = 0`` symconv, like PyTorch, uses the subgradient 0: the
mask ``[X > 0]`` is 0 there; this is a convention, not part of the proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np
import sympy

from symconv.derive import derive_expressions
from symconv.errors import SpecError
from symconv.model import Identity, SymbolicForward
from symconv.options import given, parse_axes
from symconv.algebra.polynomial import from_sympy
from symconv.spec import MAX_AXIS_LENGTH, MAX_BATCH, MAX_CHANNELS, axes_text, require_positive
from symconv.algebra.symbols import SymbolArray

OPTIONS = {"input", "in_channels", "batch"}
SIGNATURE = "forward(x), backward(dy, x) -> dx"
MAX_TERMS = 20_000
POSITIVE = sympy.Symbol("p", positive=True)
CASES = {"X > 0": POSITIVE, "X < 0": -POSITIVE}


@dataclass(frozen=True)
class ElementwiseSpec:
    """An elementwise layer on ``(N, C, *spatial)`` arrays."""

    layer: str
    spatial: tuple[int, ...]
    channels: int = 1
    batch: int = 1

    size_option = "--input"

    def __post_init__(self) -> None:
        if len(self.spatial) not in (1, 2, 3):
            raise SpecError("--input", f"must have 1, 2 or 3 axes, got {len(self.spatial)}")
        require_positive("--input", self.spatial, MAX_AXIS_LENGTH)
        require_positive("--in-channels", [self.channels], MAX_CHANNELS)
        require_positive("--batch", [self.batch], MAX_BATCH)

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.batch, self.channels, *self.spatial)

    input_shape = output_shape = shape

    @property
    def forward_terms(self) -> int:
        return prod(self.shape)

    def summary(self) -> str:
        return (f"{self.layer}: input {axes_text(self.spatial)}, channels {self.channels}, "
                f"batch {self.batch}\noutput {axes_text(self.spatial)} (elementwise)")

    def as_dict(self) -> dict:
        return {"layer": self.layer, "input": list(self.spatial), "channels": self.channels,
                "batch": self.batch, "input_shape": list(self.shape),
                "output_shape": list(self.shape)}


def spec_from_options(options) -> ElementwiseSpec:
    return ElementwiseSpec("relu", parse_axes("--input", given(options, "input", "3x3")),
                           given(options, "in_channels", 1), given(options, "batch", 1))


def symbolic_forward(spec: ElementwiseSpec) -> SymbolicForward:
    """``Y[u] = Max(X[u], 0)`` for every entry."""
    x = SymbolArray("X", spec.shape, leading=2)
    g = SymbolArray("G", spec.shape, leading=2)
    output = np.empty(spec.shape, dtype=object)
    for index in np.ndindex(*spec.shape):
        output[index] = sympy.Max(x[index], 0)
    return SymbolicForward(inputs={"X": x}, output=output, upstream=g)


def on_cases(expression: sympy.Expr, x: sympy.Symbol) -> dict:
    """``{case: polynomial}``: ``expression`` with ``X`` replaced by a value of each sign."""
    return {case: from_sympy(expression.subs(x, value)) for case, value in CASES.items()}


def derive(forward: SymbolicForward) -> dict[str, np.ndarray]:
    """SymPy's chain rule (``G * Heaviside(X)``), evaluated on the regions X > 0 and X < 0."""
    chain = derive_expressions(forward)["X"]
    result = np.empty(chain.shape, dtype=object)
    for index, x in np.ndenumerate(forward.inputs["X"].entries):
        result[index] = on_cases(chain[index], x)
    return {"X": result}


def identities(spec: ElementwiseSpec, forward: SymbolicForward) -> list[Identity]:
    """``dX = G * [X > 0]``: the mask is 1 on the region X > 0 and 0 on X < 0."""
    closed = np.empty(spec.shape, dtype=object)
    for index, g in np.ndenumerate(forward.upstream.entries):
        closed[index] = {case: ({(g,): 1} if case == "X > 0" else {}) for case in CASES}
    return [Identity("dX", "X", "dL/dX = G * [X > 0] (mask of the positive inputs)", closed,
                     method="case split on the sign of each X (SymPy's derivative evaluated "
                            "with X = p and X = -p, p > 0), then term-dictionary comparison")]


def document(derivation):
    from symconv.layer_documents import relu_context
    return "relu", relu_context(derivation)


def proof_spec(spec: ElementwiseSpec) -> ElementwiseSpec:
    """The layer itself, or a 4-per-axis piece of it: every entry is proven alike."""
    if spec.forward_terms <= 256:
        return spec
    return ElementwiseSpec(spec.layer, tuple(min(n, 4) for n in spec.spatial), 1, 1)


def module_source(spec: ElementwiseSpec, derivation) -> str:
    from symconv.layer_codegen import elementwise_module
    return elementwise_module("relu", spec, derivation)
