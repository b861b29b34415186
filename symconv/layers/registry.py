"""The registry: every layer symconv proves, by its ``--layer`` name.

Adding a layer: one folder under ``symconv/layers/`` with its spec, forward, identities,
document and module context and templates, and a ``layer.py`` exporting its
:class:`~symconv.engine.contract.Layer`; one line below and one in :mod:`symconv.layers.specs`.
"""

from __future__ import annotations

from symconv.engine.contract import Layer
from symconv.layers.conv import layer as conv
from symconv.layers.linear import layer as linear
from symconv.layers.pool.layer import AVGPOOL, MAXPOOL
from symconv.layers.relu import layer as relu
from symconv.layers.softmax_ce import layer as softmax_ce
from symconv.layers.specs import require_layer_name

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
