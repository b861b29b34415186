"""The conv layer record: its spec, maths, document and module hooks."""

from __future__ import annotations

from pathlib import Path

from symconv.engine.contract import Layer
from symconv.engine.derive import derive
from symconv.layers.conv.closed_forms import identities
from symconv.layers.conv.document import document_context, worked_example
from symconv.layers.conv.forward import symbolic_forward
from symconv.layers.conv.module import module_context, proof_spec
from symconv.layers.conv.spec import MAX_TERMS, OPTIONS, ConvSpec, spec_from_options

LAYER: Layer[ConvSpec] = Layer(
    name="conv",
    module_name="conv",
    signature="forward(x, w, b=None), backward(dy, x, w) -> (dx, dw, db)",
    options=OPTIONS,
    spec_from_options=spec_from_options,
    symbolic_forward=symbolic_forward,
    derive=derive,
    identities=identities,
    max_terms=MAX_TERMS,
    proof_spec=proof_spec,
    document_context=document_context, worked_example=worked_example,
    module_context=module_context,
    module_template="conv.py.jinja",
    folder=Path(__file__).resolve().parent,
)
