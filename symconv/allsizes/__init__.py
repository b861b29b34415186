"""All-sizes proof of the convolution gradients (dW, dX, db) for symbolic sizes.

``prove_all_sizes(rank=2) -> AllSizesResult``: guarded finite sums, rules R1-R6, stride dilation
as a delta sum, and integer obligations closed by certificates that a separate checker
re-checks with ``sympy.expand``. ``Formulas`` lets tests plant bugs in the formulas proven.
"""

from symconv.allsizes.formulas import DEFAULT_FORMULAS, Formulas
from symconv.allsizes.theorem import AllSizesResult, IdentityResult, prove_all_sizes

__all__ = ["AllSizesResult", "DEFAULT_FORMULAS", "Formulas", "IdentityResult", "prove_all_sizes"]
