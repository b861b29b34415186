"""The four reshaping verbs and the cross-correlation, on symbolic arrays.

Arrays are NumPy object arrays whose entries are SymPy symbols or :data:`ZERO`; every verb
acts on the last ``len(spec)`` (spatial) axes and leaves leading batch/channel axes alone.

* ``pad``     — add zeros on each side; a negative amount crops instead.
* ``crop``    — drop entries on each side (the adjoint of ``pad``).
* ``dilate``  — insert ``s - 1`` zeros between neighbours.
* ``rot180``  — reverse every spatial axis (a 180-degree turn in 2-d).
* ``correlate`` — valid cross-correlation, the forward operation; it returns polynomials.

A "convolution" in this project is a correlation with a ``rot180``-ed kernel.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from symconv.algebra.polynomial import Polynomial
from symconv.algebra.symbols import ZERO


def _split(array: np.ndarray, rank: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return array.shape[: array.ndim - rank], array.shape[array.ndim - rank:]


def crop(array: np.ndarray, amounts: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Drop ``lo`` leading and ``hi`` trailing entries on each spatial axis.

    >>> crop(np.arange(6).reshape(1, 6), ((1, 2),)).tolist()
    [[1, 2, 3]]
    """
    spatial = _split(array, len(amounts))[1]
    window = tuple(slice(lo, size - hi) for (lo, hi), size in zip(amounts, spatial))
    return array[(Ellipsis, *window)]


def pad(array: np.ndarray, amounts: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Zero-pad each spatial axis by ``(lo, hi)``: ``out[t] = in[t - lo]`` for ``0 <= t < n+lo+hi``.

    A negative amount crops; positions outside the input read zero, so mixed signs such as
    ``(2, -2)`` are exact (pad first, then crop).

    >>> pad(np.array([1, 2], dtype=object), ((1, -1),)).tolist()
    [0, 1]
    >>> pad(np.array([7], dtype=object), ((2, -2),)).tolist()
    [0]
    """
    lead, spatial = _split(array, len(amounts))
    shape = tuple(size + lo + hi for size, (lo, hi) in zip(spatial, amounts))
    if min(shape, default=0) < 0:
        raise ValueError(f"pad: amounts {amounts} remove more than the axes {spatial} hold")
    result = np.full(lead + shape, ZERO, dtype=object)
    source, target = [], []
    for size, new, (lo, _) in zip(spatial, shape, amounts):
        first, last = max(0, -lo), min(size, new - lo)   # input entries that land inside
        source.append(slice(first, max(first, last)))
        target.append(slice(first + lo, max(first, last) + lo))
    result[(Ellipsis, *target)] = array[(Ellipsis, *source)]
    return result


def dilate(array: np.ndarray, steps: tuple[int, ...]) -> np.ndarray:
    """Insert ``s - 1`` zeros between neighbours on each spatial axis: length ``s(m-1)+1``.

    >>> dilate(np.array([1, 2, 3], dtype=object), (2,)).tolist()
    [1, 0, 2, 0, 3]
    """
    lead, spatial = _split(array, len(steps))
    shape = lead + tuple(s * (m - 1) + 1 for s, m in zip(steps, spatial))
    result = np.full(shape, ZERO, dtype=object)
    result[(Ellipsis, *(slice(None, None, s) for s in steps))] = array
    return result


def rot180(array: np.ndarray, rank: int) -> np.ndarray:
    """Reverse the last ``rank`` axes: ``rot180(W)[j] = W[k-1-j]``.

    >>> rot180(np.arange(4).reshape(2, 2), 2).tolist()
    [[3, 2], [1, 0]]
    """
    return array[(Ellipsis, *(slice(None, None, -1),) * rank)]


def empty_polynomials(shape: tuple[int, ...]) -> np.ndarray:
    """An object array of distinct empty polynomials (zeros)."""
    result = np.empty(shape, dtype=object)
    flat = result.reshape(-1)
    for position in range(flat.size):
        flat[position] = {}
    return result


def correlation_length(signal: int, kernel: int, dilation: int, step: int) -> int:
    """Output length of a valid correlation: ``floor((L - dilation(k-1) - 1) / step) + 1``.

    >>> correlation_length(7, 3, 1, 2), correlation_length(5, 2, 2, 1)
    (3, 3)
    """
    return (signal - dilation * (kernel - 1) - 1) // step + 1


def correlation_window(signal: np.ndarray, kernel_shape: tuple[int, ...], *,
                       dilation: tuple[int, ...], step: tuple[int, ...],
                       a: tuple[int, ...]) -> list[tuple[tuple[int, ...], object]]:
    """The entries output ``a`` of a valid correlation multiplies: ``(b, signal[step*a +
    dilation*b])`` for every kernel position ``b`` in scan order.

    >>> correlation_window(np.array(list("abcdefg")), (3,), dilation=(2,), step=(1,), a=(1,))
    [((0,), np.str_('b')), ((1,), np.str_('d')), ((2,), np.str_('f'))]
    """
    return [(b, signal[tuple(st * ai + dl * bi
                              for ai, bi, st, dl in zip(a, b, step, dilation))])
            for b in product(*(range(k) for k in kernel_shape))]


def correlate(signal: np.ndarray, kernel: np.ndarray, *, dilation: tuple[int, ...],
              step: tuple[int, ...], out: np.ndarray | None = None) -> np.ndarray:
    """Valid cross-correlation ``out[a] = sum_b signal[step*a + dilation*b] * kernel[b]``.

    Both operands are purely spatial arrays of symbols/zeros; the result is an array of
    polynomials. With ``out`` given, the products are added into it (a sum over channels).

    >>> import sympy
    >>> x = np.array(sympy.symbols("x0:4"), dtype=object)
    >>> w = np.array(sympy.symbols("w0:2"), dtype=object)
    >>> [len(p) for p in correlate(x, w, dilation=(1,), step=(2,))]
    [2, 2]
    """
    shape = tuple(correlation_length(n, k, dl, st)
                  for n, k, dl, st in zip(signal.shape, kernel.shape, dilation, step))
    if out is None:
        out = empty_polynomials(shape)
    elif out.shape != shape:
        raise ValueError(f"correlate: out has shape {out.shape}, the correlation has {shape}")
    targets: list[Polynomial] = list(out.flat)
    for b in product(*(range(k) for k in kernel.shape)):
        weight = kernel[b]
        if weight is ZERO:
            continue
        window = signal[tuple(slice(dl * bi, dl * bi + st * (m - 1) + 1, st)
                              for bi, dl, st, m in zip(b, dilation, step, shape))]
        for poly, value in zip(targets, window.flat):
            if value is not ZERO:
                mono = (value, weight) if value.name < weight.name else (weight, value)
                poly[mono] = poly.get(mono, 0) + 1
    return out


def box_sum(signal: np.ndarray, window: tuple[int, ...]) -> np.ndarray:
    """Valid correlation with the all-ones kernel: ``out[u] = sum_j signal[u + j]``.

    The entries of ``signal`` are polynomials or :data:`ZERO`. The all-ones kernel equals
    its own ``rot180``, so this is also a full convolution with ones once the signal is padded.

    >>> import sympy
    >>> a, b = sympy.symbols("a b")
    >>> box_sum(np.array([{(a,): 1}, ZERO, {(b,): 2}], dtype=object), (2,)).tolist()
    [{(a,): 1}, {(b,): 2}]
    """
    shape = tuple(n - k + 1 for n, k in zip(signal.shape, window))
    out = empty_polynomials(shape)
    targets: list[Polynomial] = list(out.flat)
    for j in product(*(range(k) for k in window)):
        view = signal[tuple(slice(b, b + m) for b, m in zip(j, shape))]
        for poly, value in zip(targets, view.flat):
            if value is not ZERO:
                for mono, coefficient in value.items():
                    poly[mono] = poly.get(mono, 0) + coefficient
    return out


def matmul(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Matrix product of two 2-d arrays of symbols: ``out[a, c] = sum_b left[a, b] right[b, c]``.

    >>> import sympy
    >>> x = np.array([sympy.symbols("x0:2")], dtype=object)         # 1 x 2
    >>> w = np.array([[s] for s in sympy.symbols("w0:2")], dtype=object)  # 2 x 1
    >>> [sorted(str(m) for m in p) for p in matmul(x, w).flat]
    [['(w0, x0)', '(w1, x1)']]
    """
    out = empty_polynomials((left.shape[0], right.shape[1]))
    rows, columns = left.tolist(), right.T.tolist()
    for a, row in enumerate(rows):
        for c, column in enumerate(columns):
            poly = out[a, c]
            for p, q in zip(row, column):
                mono = (p, q) if p.name < q.name else (q, p)
                poly[mono] = poly.get(mono, 0) + 1
    return out
