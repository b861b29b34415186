"""What a layer module hands to the generic pipeline: its symbolic forward and its identities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from symconv.algebra.symbols import SymbolArray


@dataclass
class SymbolicForward:
    """A layer's forward pass on symbols.

    ``inputs`` are the arrays the loss is differentiated with respect to (``X``, ``W``, ``b``);
    ``output`` holds one entry per output (``O``): a polynomial (term dictionary) for the
    polynomial layers, a SymPy expression otherwise; ``upstream`` is ``G = dL/dO``, an array
    of free symbols with the shape of ``output`` (``None`` when the layer ends in the loss).
    """

    inputs: dict[str, SymbolArray]
    output: np.ndarray
    upstream: SymbolArray | None


@dataclass
class Identity:
    """One claim: the derived array ``wrt`` equals ``closed``, element by element.

    ``name`` is short (``"dW"``); ``statement`` says in words what ``closed`` was built from;
    ``method`` names the exact comparison and ``equal`` performs it (default: equality of
    canonical term dictionaries, or of case tables of them).
    """

    name: str
    wrt: str
    statement: str
    closed: np.ndarray
    method: str = ("canonical term-dictionary comparison (the expanded difference is "
                   "identically zero)")
    equal: Callable[[object, object], bool] = field(default=lambda a, b: a == b)
