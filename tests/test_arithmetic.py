"""Size arithmetic: a table of known cases and properties checked against window counting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symconv.algebra import arithmetic

# (n, k, s, d, p_lo, p_hi) -> (K, m, r)
TABLE = [
    ((3, 2, 1, 1, 0, 0), (2, 2, 0)),
    ((5, 3, 2, 1, 1, 1), (3, 3, 0)),
    ((6, 3, 2, 1, 0, 0), (3, 2, 1)),
    ((8, 2, 3, 1, 0, 1), (2, 3, 1)),
    ((7, 3, 2, 2, 1, 1), (5, 3, 0)),
    ((10, 4, 3, 2, 0, 2), (7, 2, 2)),
    ((3, 5, 1, 1, 1, 1), (5, 1, 0)),
]


@pytest.mark.parametrize("args, expected", TABLE, ids=[str(a) for a, _ in TABLE])
def test_size_table(args, expected):
    n, k, s, d, lo, hi = args
    assert (arithmetic.effective_kernel(k, d), arithmetic.output_length(*args),
            arithmetic.leftover(*args)) == expected


geometry = st.tuples(st.integers(1, 20), st.integers(1, 6), st.integers(1, 5),
                     st.integers(1, 4), st.integers(0, 5), st.integers(0, 5)).filter(
    lambda g: g[0] + g[4] + g[5] >= arithmetic.effective_kernel(g[1], g[3]))


@given(geometry)
def test_output_length_counts_windows(g):
    """m is the number of window starts s*i with the whole window inside the padded input."""
    n, k, s, d, lo, hi = g
    big_k = arithmetic.effective_kernel(k, d)
    starts = [start for start in range(0, n + lo + hi, s) if start + big_k <= n + lo + hi]
    assert arithmetic.output_length(*g) == len(starts)


@given(geometry)
def test_leftover_is_the_unread_tail(g):
    """s(m-1) + K + r covers the padded input exactly, and 0 <= r < s."""
    n, k, s, d, lo, hi = g
    m, r = arithmetic.output_length(*g), arithmetic.leftover(*g)
    assert 0 <= r < s
    assert s * (m - 1) + arithmetic.effective_kernel(k, d) + r == n + lo + hi


@given(geometry)
def test_gradient_paddings_restore_lengths(g):
    """pad(Gs) has length n + K - 1, and X padded for dW has length len(Gs) + K - 1."""
    n, k, s, d, lo, hi = g
    m, r = arithmetic.output_length(*g), arithmetic.leftover(*g)
    big_k = arithmetic.effective_kernel(k, d)
    dilated = arithmetic.dilated_length(m, s)
    g_lo, g_hi = arithmetic.input_grad_padding(k, d, lo, hi, r)
    assert dilated + g_lo + g_hi == n + big_k - 1
    x_lo, x_hi = arithmetic.weight_grad_padding(lo, hi, r)
    assert n + x_lo + x_hi == dilated + big_k - 1
