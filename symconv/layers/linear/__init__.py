"""Fully connected: ``Y = X W^T + b``."""

from __future__ import annotations

from pathlib import Path

from symconv.engine.contract import Layer
from symconv.engine.derive import derive
from symconv.layers.linear.document import document_context, worked_example
from symconv.layers.linear.maths import (
    OPTIONS,
    LinearSpec,
    identities,
    proof_spec,
    spec_from_options,
    symbolic_forward,
)
from symconv.layers.linear.module import module_context

LAYER: Layer[LinearSpec] = Layer(
    name="linear", module_name="linear",
    signature="forward(x, w, b=None), backward(dy, x, w) -> (dx, dw, db)", options=OPTIONS,
    spec_from_options=spec_from_options, symbolic_forward=symbolic_forward, derive=derive,
    identities=identities, max_terms=3_000_000, proof_spec=proof_spec,
    document_context=document_context, worked_example=worked_example,
    module_context=module_context,
    module_template="linear.py.jinja", folder=Path(__file__).resolve().parent)
