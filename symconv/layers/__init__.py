"""Layer modules. Each owns its spec, its symbolic forward and its table of identities.

A layer module provides:

* ``OPTIONS`` — the command-line options it accepts (others are refused);
* ``spec_from_options(options)`` — its validated spec;
* ``symbolic_forward(spec)`` and ``identities(spec, forward)``;
* optionally ``derive(forward)`` when its forward is not a polynomial (the default is
  :func:`symconv.derive.derive`);
* ``document(derivation)`` — ``(template stem, context)`` for its derivation document;
* ``module_source(spec, derivation)`` and ``proof_spec(spec)`` for its NumPy module.
"""

from __future__ import annotations

from importlib import import_module

from symconv.errors import SpecError

LAYERS = {"conv": "conv", "maxpool": "maxpool", "avgpool": "avgpool", "relu": "relu",
          "linear": "linear", "softmax-ce": "softmax_ce"}


def layer_module(name: str):
    """The module implementing layer ``name``."""
    if name not in LAYERS:
        raise SpecError("--layer", f"must be one of {', '.join(LAYERS)}, got {name!r}")
    return import_module(f"symconv.layers.{LAYERS[name]}")
