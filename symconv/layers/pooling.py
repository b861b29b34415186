"""What max and average pooling share: their document and their NumPy module."""

from __future__ import annotations

from symconv.spec import PoolSpec


def document(derivation):
    """``templates/pool.*.jinja`` and its values."""
    from symconv.layer_documents import pool_context
    return "pool", pool_context(derivation)


def proof_spec(spec: PoolSpec) -> PoolSpec:
    """Pooling is proven on the layer itself."""
    return spec


def module_source(spec: PoolSpec, derivation) -> str:
    from symconv.layer_codegen import pool_module
    return pool_module(spec, derivation)
