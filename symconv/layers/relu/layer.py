"""The relu layer record: its spec, maths, document and module hooks."""

from __future__ import annotations

from pathlib import Path

from symconv.engine.contract import Layer
from symconv.layers.relu.document import document_context, worked_example
from symconv.layers.relu.maths import derive, identities, symbolic_forward
from symconv.layers.relu.module import module_context, proof_spec
from symconv.layers.relu.spec import MAX_TERMS, OPTIONS, ElementwiseSpec, spec_from_options

LAYER: Layer[ElementwiseSpec] = Layer(
    name="relu", module_name="relu", signature="forward(x), backward(dy, x) -> dx",
    options=OPTIONS, spec_from_options=spec_from_options, symbolic_forward=symbolic_forward,
    derive=derive, identities=identities, max_terms=MAX_TERMS, proof_spec=proof_spec,
    document_context=document_context, worked_example=worked_example, module_context=module_context,
    module_template="relu.py.jinja", folder=Path(__file__).resolve().parent)
