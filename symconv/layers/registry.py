"""The registry: every layer symconv proves, by its ``--layer`` name.

Adding a layer: one folder under ``symconv/layers/`` with its spec, forward, identities,
document and module context and templates, and a ``layer.py`` exporting its
:class:`~symconv.engine.contract.Layer`; one line below and one in :mod:`symconv.layers.specs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from symconv.engine.contract import Layer
from symconv.layers.conv import layer as conv
from symconv.layers.linear import layer as linear
from symconv.layers.pool.layer import AVGPOOL, MAXPOOL
from symconv.layers.relu import layer as relu
from symconv.layers.softmax_ce import layer as softmax_ce
from symconv.layers.specs import checked_spec, require_layer_name

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
    return LAYERS[require_layer_name(name)]


def layer_and_spec(layer: str, options: Mapping[str, Any]) -> tuple[Layer, Any]:
    """The layer called ``layer`` and the spec its ``options`` (command-line names or API
    values) describe; a :class:`SpecError` naming the option and the rule otherwise."""
    spec = checked_spec(layer, options, within_budget=False)
    return layer_named(layer), spec
