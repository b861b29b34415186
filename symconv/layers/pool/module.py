"""The values of the pooling NumPy module (``pool.py.jinja``) and its proof instance."""

from __future__ import annotations

from dataclasses import replace

from symconv.engine.pipeline import Derivation
from symconv.layers.pool.spec import PoolSpec
from symconv.render.module import SPATIAL_NAMES, proof_instance

PROOF_TERMS = 400
"""Above this many window reads the module's proof runs on a shorter input."""


def proof_spec(spec: PoolSpec) -> PoolSpec:
    """The layer itself, or one image and channel of a shorter input with the same geometry
    (pooling acts on each channel alone; the geometry is what the proof must cover)."""
    if spec.forward_terms <= PROOF_TERMS:
        return spec
    return replace(spec, channels=1, batch=1, window=spec.window.proof_window())


def module_context(spec: PoolSpec, derivation: Derivation[PoolSpec]) -> dict:
    w = spec.window
    return {"is_max": spec.layer == "maxpool", "rank": w.rank, "kernel": repr(w.kernel),
            "stride": repr(w.stride), "padding": repr(w.padding), "dilation": repr(w.dilation),
            "count_include_pad": spec.count_include_pad, "spatial_names": SPATIAL_NAMES[w.rank],
            "proof_instance": proof_instance(derivation)}
