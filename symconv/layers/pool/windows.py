"""What both pooling closed forms read: each window's entries, found by the verbs alone.

``pad`` the input (padding entries are :data:`ZERO`, which pooling treats as absent) and take
the correlation window of output ``i`` at step ``s`` and dilation ``d``. This does not use
the window geometry of :mod:`symconv.algebra.geometry`, so the proof compares two
independent constructions.
"""

from __future__ import annotations

import numpy as np

from symconv.algebra.symbols import ZERO
from symconv.algebra.verbs import correlation_window, pad
from symconv.layers.pool.spec import PoolSpec


def window_entries(spec: PoolSpec, x: np.ndarray) -> dict[tuple[int, ...], list]:
    """``{(n, c, *i): [input symbols window i reads]}`` for every window, in scan order."""
    w = spec.window
    padded = pad(x, w.padding)
    result = {}
    for n in range(spec.batch):
        for c in range(spec.channels):
            for i in np.ndindex(*w.output):
                window = correlation_window(padded[n, c], w.kernel, dilation=w.dilation,
                                            step=w.stride, a=i)
                result[(n, c, *i)] = [entry for _, entry in window if entry is not ZERO]
    return result
