"""Fixed example numbers for worked examples, so documents are identical from run to run."""

from __future__ import annotations

import numpy as np


def example_values(shape: tuple[int, ...]) -> np.ndarray:
    """Distinct small integers in a fixed scrambled order (no ties), for worked examples.

    >>> example_values((2, 3)).tolist()
    [[-3, 2, 1], [0, -1, -2]]
    """
    size = int(np.prod(shape))
    step = next(s for s in range(size // 2 + 1, 2 * size + 2) if np.gcd(s, size) == 1)
    order = (np.arange(size) * step) % size
    return (order - size // 2).reshape(shape)
