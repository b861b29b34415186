"""The linear layer record: its spec, maths, document and module hooks."""

from __future__ import annotations

from pathlib import Path

from symconv.engine.contract import Layer
from symconv.engine.derive import derive
from symconv.layers.linear.document import document_context, worked_example
from symconv.layers.linear.maths import (
    identities,
    proof_spec,
    symbolic_forward,
)
from symconv.layers.linear.module import module_context
from symconv.layers.linear.spec import MAX_TERMS, OPTIONS, LinearSpec, spec_from_options

LAYER: Layer[LinearSpec] = Layer(
    name="linear", module_name="linear",
    signature="forward(x, w, b=None), backward(dy, x, w) -> (dx, dw, db)", options=OPTIONS,
    spec_from_options=spec_from_options, symbolic_forward=symbolic_forward, derive=derive,
    identities=identities, max_terms=MAX_TERMS, proof_spec=proof_spec,
    document_context=document_context, worked_example=worked_example, module_context=module_context,
    module_template="linear.py.jinja", folder=Path(__file__).resolve().parent)
