"""The softmax_ce layer record: its spec, maths, document and module hooks."""

from __future__ import annotations

from pathlib import Path

from symconv.engine.contract import Layer
from symconv.layers.softmax_ce.document import document_context, worked_example
from symconv.layers.softmax_ce.maths import (
    derive,
    identities,
    proof_spec,
    symbolic_forward,
)
from symconv.layers.softmax_ce.module import module_context
from symconv.layers.softmax_ce.spec import MAX_TERMS, OPTIONS, SoftmaxSpec, spec_from_options

LAYER: Layer[SoftmaxSpec] = Layer(
    name="softmax-ce", module_name="softmax_ce",
    signature="forward(z, y) -> loss, backward(z, y) -> dz", options=OPTIONS,
    spec_from_options=spec_from_options, symbolic_forward=symbolic_forward, derive=derive,
    identities=identities, max_terms=MAX_TERMS, proof_spec=proof_spec,
    document_context=document_context, worked_example=worked_example, module_context=module_context,
    module_template="softmax_ce.py.jinja", folder=Path(__file__).resolve().parent)
