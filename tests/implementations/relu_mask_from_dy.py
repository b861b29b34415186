"""Bug: masks with the sign of the incoming gradient instead of the sign of the input."""

import numpy as np


def backward(dy, x):
    return np.where(dy > 0, dy, 0.0)
