"""Fixed example numbers for worked examples, so documents are identical from run to run."""

from __future__ import annotations

import numpy as np


def example_values(shape: tuple[int, ...]) -> np.ndarray:
    """Distinct small integers centred on 0 in a fixed irregular order (no ties, so every
    pooling window has one maximum, and the maxima sit in different places).

    >>> example_values((2, 3)).tolist()
    [[-3, 1, 0], [-2, 2, -1]]
    """
    size = int(np.prod(shape))
    order = np.argsort(_mix(np.arange(size, dtype=np.uint64)), kind="stable")
    values = np.empty(size, dtype=np.int64)
    values[order] = np.arange(size) - size // 2
    return values.reshape(shape)


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a fixed, well-spread hash of unsigned 64-bit integers."""
    x = x * np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def small_integers(shape: tuple[int, ...], low: int, high: int, salt: int = 0) -> np.ndarray:
    """Integers in ``[low, high]`` in a fixed irregular pattern (the splitmix64 hash of the
    flat index), so rows and columns do not repeat; ``salt`` gives another pattern.

    >>> small_integers((2, 4), -2, 2).tolist()
    [[-2, -2, -2, 2], [2, 0, -2, 1]]
    """
    x = _mix(np.arange(int(np.prod(shape)), dtype=np.uint64) + np.uint64(salt << 20))
    return (x % np.uint64(high - low + 1)).astype(np.int64).reshape(shape) + low
