"""The formulas under proof: the size/padding arithmetic and the recipe of each closed form.

By default every padding amount and length comes from :mod:`symconv.algebra.arithmetic`, the
functions the instance pipeline and the code generator use, so a bug there fails the all-sizes
proof too. Tests plant bugs by passing a modified :class:`Formulas` (``dataclasses.replace``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from symconv.algebra import arithmetic


def standard_window(i, j, s, d):
    """Forward read position of output ``i`` and tap ``j``: ``s*i + d*j`` (cross-correlation)."""
    return s * i + d * j


@dataclass(frozen=True)
class Formulas:
    """Everything the two sides of the identities are built from.

    * ``effective_kernel(k, d)``, ``output_length(n, k, s, d, p_lo, p_hi)``,
      ``leftover(...)``, ``dilated_length(m, s)``, ``weight_grad_padding(p_lo, p_hi, r)``,
      ``input_grad_padding(k, d, p_lo, p_hi, r)``: plain integer formulas, called with SymPy
      symbols by the proof and with ints by the concrete checker.
    * ``window(i, j, s, d)``: the forward read position ``s*i + d*j``.
    * ``rotate_kernel_in_dx``: dX correlates with ``rot180(W)`` (true) or with ``W``.
    * ``dilate_g_in_dw``: dW correlates with the stride-dilated ``Gs`` (true) or with ``G``.
    """

    effective_kernel: Callable = arithmetic.effective_kernel
    output_length: Callable = arithmetic.output_length
    leftover: Callable = arithmetic.leftover
    dilated_length: Callable = arithmetic.dilated_length
    weight_grad_padding: Callable = arithmetic.weight_grad_padding
    input_grad_padding: Callable = arithmetic.input_grad_padding
    window: Callable = standard_window
    rotate_kernel_in_dx: bool = True
    dilate_g_in_dw: bool = True


DEFAULT_FORMULAS = Formulas()
