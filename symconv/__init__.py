"""symconv: symbolic, proven backward passes for CNN layers.

``symconv.derive(layer, **options)`` derives and proves one layer and renders its artifacts;
``symconv.prove_all_sizes(rank)`` proves the convolution for every size at once;
``symconv.build_network(model, input)`` proves a whole network and checks the chain;
``symconv.SpecError`` is the one exception bad options raise. The API is loaded on first use,
so the command line's ``--help`` starts without SymPy.
"""

from symconv.errors import SpecError

__all__ = ["Derivation", "Network", "SpecError", "build_network", "derive", "prove_all_sizes"]
__version__ = "0.2.0"


def __getattr__(name: str):
    """``symconv.derive`` and the rest of :mod:`symconv.api`, imported when first used."""
    if name in ("Derivation", "Network", "build_network", "derive", "prove_all_sizes"):
        import symconv.api
        return getattr(symconv.api, name)
    raise AttributeError(f"module 'symconv' has no attribute {name!r}")
