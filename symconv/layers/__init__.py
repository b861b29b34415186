"""Layer modules. Each owns its spec, its symbolic forward and its table of identities."""

from __future__ import annotations

from importlib import import_module

from symconv.errors import SpecError

LAYERS = ("conv",)


def layer_module(name: str):
    """The module implementing layer ``name`` (``symbolic_forward``, ``identities``)."""
    if name not in LAYERS:
        raise SpecError("--layer", f"must be one of {', '.join(LAYERS)}, got {name!r}")
    return import_module(f"symconv.layers.{name}")
