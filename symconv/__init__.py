"""symconv: symbolic, proven backward passes for CNN layers.

``symconv.derive(layer, **options)`` derives and proves one layer and renders its artifacts;
``symconv.prove_all_sizes(rank)`` proves the convolution gradients for every size at once;
``symconv.SpecError`` is the one exception bad options raise.
"""

from symconv.api import Derivation, derive, prove_all_sizes
from symconv.errors import SpecError

__all__ = ["Derivation", "SpecError", "derive", "prove_all_sizes"]
__version__ = "0.2.0"
