"""The registry: every layer symconv proves, by its ``--layer`` name.

Adding a layer: one folder here with its spec, forward, identities, document and module
context and templates, exporting a :class:`~symconv.engine.contract.Layer`; one line below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from symconv.engine.contract import Layer
from symconv.engine.options import normalise, refuse_foreign
from symconv.errors import SpecError
from symconv.layers import conv, linear, relu, softmax_ce
from symconv.layers.pool import AVGPOOL, MAXPOOL

LAYERS: dict[str, Layer] = {
    "conv": conv.LAYER,
    "maxpool": MAXPOOL,
    "avgpool": AVGPOOL,
    "relu": relu.LAYER,
    "linear": linear.LAYER,
    "softmax-ce": softmax_ce.LAYER,
}


def layer_named(name: str) -> Layer:
    """The layer called ``name``; a :class:`SpecError` naming ``--layer`` otherwise."""
    if not isinstance(name, str) or name not in LAYERS:
        raise SpecError("--layer", f"must be one of {', '.join(LAYERS)}, got {name!r}")
    return LAYERS[name]


def layer_and_spec(layer: str, options: Mapping[str, Any]) -> tuple[Layer, Any]:
    """The layer called ``layer`` and the spec its (normalised) ``options`` describe."""
    record = layer_named(layer)
    values = normalise(options)
    refuse_foreign(record.name, record.options, values)
    return record, record.spec_from_options(values)
