"""Prove anyone's backward implementation against the derivation.

>>> import numpy as np
>>> from symconv.testing import check_backward
>>> result = check_backward(lambda dy, x: dy * (x > 0), "relu", input=(2, 3))
>>> result.passed, result.bound < 1e-12
(True, True)
"""

from symconv.testing.check import CheckResult, Mismatch, assert_backward, check_backward
from symconv.testing.sweep import sweep

__all__ = ["CheckResult", "Mismatch", "assert_backward", "check_backward", "sweep"]
