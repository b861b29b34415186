"""symconv: symbolic, proven backward passes for CNN layers.

``symconv.derive(layer, **options)`` derives and proves one layer and renders its artifacts;
``symconv.SpecError`` is the one exception bad options raise.
"""

from symconv.api import Derivation, derive
from symconv.errors import SpecError

__all__ = ["Derivation", "SpecError", "derive"]
__version__ = "0.2.0"
