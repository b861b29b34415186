"""What max and average pooling share: their document and their NumPy module."""

from __future__ import annotations

from dataclasses import replace

from symconv.spec import PoolSpec


def document(derivation):
    """``templates/pool.*.jinja`` and its values."""
    from symconv.layer_documents import pool_context
    return "pool", pool_context(derivation)


PROOF_TERMS = 400
"""Above this many window reads the module's proof runs on a shorter input."""


def proof_spec(spec: PoolSpec) -> PoolSpec:
    """The layer itself, or one image and channel of a shorter input with the same geometry
    (pooling acts on each channel alone; the geometry is what the proof must cover)."""
    if spec.forward_terms <= PROOF_TERMS:
        return spec
    return replace(spec, channels=1, batch=1, window=spec.window.proof_window())


def module_source(spec: PoolSpec, derivation) -> str:
    from symconv.layer_codegen import pool_module
    return pool_module(spec, derivation)
