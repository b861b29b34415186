"""What a layer module hands to the generic pipeline: its symbolic forward and its identities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symconv.symbols import SymbolArray


@dataclass
class SymbolicForward:
    """A layer's forward pass on symbols.

    ``inputs`` are the arrays the loss is differentiated with respect to (``X``, ``W``, ``b``);
    ``output`` holds one polynomial per output entry (``O``); ``upstream`` is ``G = dL/dO``,
    an array of free symbols with the shape of ``output``.
    """

    inputs: dict[str, SymbolArray]
    output: np.ndarray
    upstream: SymbolArray


@dataclass
class Identity:
    """One claim: ``dL/d<wrt>`` equals ``closed``, element by element.

    ``name`` is short (``"dW"``); ``statement`` says in words which operator composition
    ``closed`` was built from.
    """

    name: str
    wrt: str
    statement: str
    closed: np.ndarray
