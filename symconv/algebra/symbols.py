"""Arrays of named SymPy symbols: the inputs, weights and upstream gradients of a layer.

Each entry's name is its LaTeX form, so a derivation prints without a name table:
spatial indices go in the subscript, and the leading (batch, channel) indices go in a
parenthesised superscript when those axes have more than one entry, e.g. ``X_{1,2}`` for a
single-image single-channel input and ``X^{(0,2)}_{1,2}`` for image 0, channel 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np
import sympy

ZERO = sympy.S.Zero
"""The padding and dilation value; a singleton, so ``entry is ZERO`` tests for it."""


def entry_name(letter: str, index: tuple[int, ...], leading: int, shown: tuple[bool, ...]) -> str:
    """LaTeX name of one entry: ``letter^{(leading shown)}_{rest}``.

    >>> entry_name("X", (0, 0, 1, 2), 2, (False, False))
    'X_{1,2}'
    >>> entry_name("X", (0, 3, 1, 2), 2, (False, True))
    'X^{(3)}_{1,2}'
    >>> entry_name("b", (4,), 0, ())
    'b_{4}'
    """
    head = [str(i) for i, keep in zip(index[:leading], shown) if keep]
    tail = ",".join(str(i) for i in index[leading:])
    sup = f"^{{({','.join(head)})}}" if head else ""
    return f"{letter}{sup}_{{{tail}}}"


@dataclass
class SymbolArray:
    """An ndarray of distinct SymPy symbols named after ``letter`` and their index.

    ``leading`` is the number of leading (batch/channel-like) axes; those of size 1 are
    left out of the names.
    """

    letter: str
    shape: tuple[int, ...]
    leading: int = 0
    entries: np.ndarray = field(init=False, repr=False)
    index_of: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        shown = tuple(size > 1 for size in self.shape[: self.leading])
        self.entries = np.empty(self.shape, dtype=object)
        self.index_of = {}
        for index in product(*(range(size) for size in self.shape)):
            symbol = sympy.Symbol(entry_name(self.letter, index, self.leading, shown), real=True)
            self.entries[index] = symbol
            self.index_of[symbol] = index

    def __getitem__(self, index):
        return self.entries[index]

    @property
    def symbols(self) -> list[sympy.Symbol]:
        """All entries in C (row-major) order."""
        return list(self.entries.flat)
