"""Size and padding arithmetic of one spatial axis of a strided, dilated, padded window.

Every function works on one axis; a multi-dimensional layer applies them axis by axis.
Names follow DESIGN §2: input length ``n``, kernel ``k``, stride ``s``, dilation ``d``,
padding ``(p_lo, p_hi)``, effective kernel ``K``, output length ``m``, leftover ``r``.
"""

from __future__ import annotations


def effective_kernel(k: int, d: int) -> int:
    """Span of a kernel of ``k`` taps spaced ``d`` apart: ``K = d(k - 1) + 1``.

    >>> effective_kernel(3, 1), effective_kernel(3, 2), effective_kernel(1, 5)
    (3, 5, 1)
    """
    return d * (k - 1) + 1


def output_length(n: int, k: int, s: int, d: int, p_lo: int, p_hi: int) -> int:
    """Number of window positions: ``m = floor((n + p_lo + p_hi - K) / s) + 1``.

    Requires ``n + p_lo + p_hi >= K`` (the window fits in the padded input).

    >>> output_length(5, 3, 2, 1, 1, 1)   # (5 + 2 - 3) // 2 + 1
    3
    >>> output_length(6, 3, 2, 1, 0, 0)   # (6 - 3) // 2 + 1, one row left over
    2
    """
    return (n + p_lo + p_hi - effective_kernel(k, d)) // s + 1


def leftover(n: int, k: int, s: int, d: int, p_lo: int, p_hi: int) -> int:
    """Padded positions at the high end that no window reads: ``r = (n + p_lo + p_hi - K) mod s``.

    >>> leftover(5, 3, 2, 1, 1, 1), leftover(6, 3, 2, 1, 0, 0), leftover(8, 2, 3, 1, 0, 1)
    (0, 1, 1)
    """
    return (n + p_lo + p_hi - effective_kernel(k, d)) % s


def dilated_length(m: int, s: int) -> int:
    """Length of ``m`` entries with ``s - 1`` zeros inserted between neighbours: ``s(m - 1) + 1``.

    >>> dilated_length(3, 2), dilated_length(1, 4), dilated_length(4, 1)
    (5, 1, 4)
    """
    return s * (m - 1) + 1


def weight_grad_padding(p_lo: int, p_hi: int, r: int) -> tuple[int, int]:
    """Padding of X for the dW correlation: ``(p_lo, p_hi - r)``; a negative side is a crop.

    The last ``r`` padded positions are never read by the forward pass, so they are dropped.

    >>> weight_grad_padding(1, 1, 0), weight_grad_padding(0, 0, 1)
    ((1, 1), (0, -1))
    """
    return p_lo, p_hi - r


def input_grad_padding(k: int, d: int, p_lo: int, p_hi: int, r: int) -> tuple[int, int]:
    """Padding of the dilated G for the dX full convolution: ``(K-1-p_lo, K-1-p_hi+r)``.

    A negative side is a crop. The ``+r`` re-creates the ``r`` input positions that received
    no gradient (PyTorch's ``output_padding = r``).

    >>> input_grad_padding(3, 1, 1, 1, 0)    # K = 3
    (1, 1)
    >>> input_grad_padding(2, 1, 0, 0, 0)    # classic 3x3 input, 2x2 kernel: full padding
    (1, 1)
    >>> input_grad_padding(3, 1, 0, 0, 1)    # one leftover row
    (2, 3)
    """
    big_k = effective_kernel(k, d)
    return big_k - 1 - p_lo, big_k - 1 - p_hi + r
