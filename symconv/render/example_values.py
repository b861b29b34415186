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


def small_integers(shape: tuple[int, ...], low: int, high: int, salt: int = 0) -> np.ndarray:
    """Integers in ``[low, high]`` in a fixed irregular pattern (the splitmix64 hash of the
    flat index), so rows and columns do not repeat; ``salt`` gives another pattern.

    >>> small_integers((2, 4), -2, 2).tolist()
    [[-2, -2, -2, 2], [2, 0, -2, 1]]
    """
    x = np.arange(int(np.prod(shape)), dtype=np.uint64) + np.uint64(salt << 20)
    x = x * np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x % np.uint64(high - low + 1)).astype(np.int64).reshape(shape) + low
