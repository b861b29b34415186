"""The max- and average-pooling layer records."""

from __future__ import annotations

from pathlib import Path

from symconv.engine.contract import Layer
from symconv.engine.derive import derive
from symconv.layers.pool import avgpool, maxpool
from symconv.layers.pool.document import document_context, worked_example
from symconv.layers.pool.module import module_context, proof_spec
from symconv.layers.pool.spec import (
    AVGPOOL_MAX_TERMS,
    AVGPOOL_OPTIONS,
    MAXPOOL_MAX_TERMS,
    MAXPOOL_OPTIONS,
    PoolSpec,
    avgpool_spec,
    maxpool_spec,
)

FOLDER = Path(__file__).resolve().parent
SIGNATURE = "forward(x), backward(dy, x) -> dx"

MAXPOOL: Layer[PoolSpec] = Layer(
    name="maxpool", module_name="maxpool", signature=SIGNATURE, options=MAXPOOL_OPTIONS,
    spec_from_options=maxpool_spec, symbolic_forward=maxpool.symbolic_forward,
    derive=maxpool.derive, identities=maxpool.identities, max_terms=MAXPOOL_MAX_TERMS,
    proof_spec=proof_spec, document_context=document_context, worked_example=worked_example,
    module_context=module_context,
    module_template="pool.py.jinja", folder=FOLDER)

AVGPOOL: Layer[PoolSpec] = Layer(
    name="avgpool", module_name="avgpool", signature=SIGNATURE, options=AVGPOOL_OPTIONS,
    spec_from_options=avgpool_spec, symbolic_forward=avgpool.symbolic_forward, derive=derive,
    identities=avgpool.identities, max_terms=AVGPOOL_MAX_TERMS, proof_spec=proof_spec,
    document_context=document_context, worked_example=worked_example,
    module_context=module_context,
    module_template="pool.py.jinja", folder=FOLDER)
