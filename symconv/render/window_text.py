"""Text about a window geometry that every windowed document shows: the size arithmetic of
each axis with the layer's numbers, and which entries to write out."""

from __future__ import annotations

from math import prod

import numpy as np

from symconv.algebra import arithmetic
from symconv.algebra.geometry import WindowSpec

LO, HI = r"p_{\mathrm{lo}}", r"p_{\mathrm{hi}}"
AXIS_NAMES = {1: ["length"], 2: ["height", "width"], 3: ["depth", "height", "width"]}
ALL_ENTRIES_UP_TO = 9
"""Example positions: all of an array this small, else first, middle and last."""
WRITTEN_OUT_UP_TO = 64
"""Gradients with at most this many entries (per image and channel) are written out whole."""
LONG_SUM = 12
"""Sums with more terms than this are shown for three entries only."""


def latex_axes(values) -> str:
    r"""``(3, 4)`` -> ``3 \times 4``."""
    return r" \times ".join(str(v) for v in values)


def example_positions(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """All positions of a small array; the first, middle and last of a large one.

    >>> example_positions((2, 2))
    [(0, 0), (0, 1), (1, 0), (1, 1)]
    >>> example_positions((5, 5))
    [(0, 0), (2, 2), (4, 4)]
    """
    if prod(shape) <= ALL_ENTRIES_UP_TO:
        return [tuple(int(i) for i in index) for index in np.ndindex(*shape)]
    middle = tuple(n // 2 for n in shape)
    last = tuple(n - 1 for n in shape)
    return list(dict.fromkeys([(0,) * len(shape), middle, last]))


def axis_arithmetic(w: WindowSpec) -> list[dict]:
    """Per axis: the formulas for K, m and r with this layer's numbers substituted."""
    rows = []
    for name, n, k, s, d, (lo, hi), big_k, m, r in zip(
            AXIS_NAMES[w.rank], w.input, w.kernel, w.stride, w.dilation, w.padding,
            w.effective_kernel, w.output, w.leftover):
        rows.append({
            "name": name,
            "K": rf"K = d(k-1)+1 = {d}({k}-1)+1 = {big_k}",
            "m": (rf"m = \left\lfloor \frac{{n + {LO} + {HI} - K}}{{s}} \right\rfloor + 1"
                  rf" = \left\lfloor \frac{{{n} + {lo} + {hi} - {big_k}}}{{{s}}} \right\rfloor"
                  rf" + 1 = {m}"),
            "r": (rf"r = (n + {LO} + {HI} - K) \bmod s = ({n} + {lo} + {hi} - {big_k})"
                  rf" \bmod {s} = {r}"),
            "n": n, "k": k, "s": s, "d": d, "lo": lo, "hi": hi, "K_value": big_k, "m_value": m,
            "r_value": r, "unread_inputs": max(0, r - hi),
            "x_pad": arithmetic.weight_grad_padding(lo, hi, r),
            "g_pad": arithmetic.input_grad_padding(k, d, lo, hi, r),
        })
    return rows


def per_axis_text(rows: list[dict], key: str) -> str:
    """``$(1, 1)$ on the height axis and $(0, 2)$ on the width axis``; one axis: ``$(1, 1)$``."""
    parts = [f"$({a[key][0]}, {a[key][1]})$" for a in rows]
    if len(parts) == 1:
        return parts[0]
    named = [f"{part} on the {a['name']} axis" for part, a in zip(parts, rows)]
    return ", ".join(named[:-1]) + " and " + named[-1]


def geometry_text(w: WindowSpec) -> dict:
    """The geometry as LaTeX-ready strings."""
    return {"input": latex_axes(w.input), "kernel": latex_axes(w.kernel),
            "stride": latex_axes(w.stride), "dilation": latex_axes(w.dilation),
            "padding": ", ".join(f"({lo}, {hi})" for lo, hi in w.padding),
            "output": latex_axes(w.output), "leftover": latex_axes(w.leftover)}


def positions_shown(shape: tuple[int, ...], longest: int,
                    *extra: tuple[int, ...] | None) -> list[tuple[int, ...]]:
    """Every position of an array of at most :data:`WRITTEN_OUT_UP_TO` entries whose sums
    are short (``longest`` terms at most :data:`LONG_SUM`); else first, middle and last (and
    each of ``extra`` that is not None).

    >>> len(positions_shown((6, 6), 4)), positions_shown((3, 3), 40)
    (36, [(0, 0), (1, 1), (2, 2)])
    """
    if prod(shape) <= WRITTEN_OUT_UP_TO and longest <= LONG_SUM:
        return [tuple(int(i) for i in index) for index in np.ndindex(*shape)]
    chosen = [(0,) * len(shape), tuple(n // 2 for n in shape), tuple(n - 1 for n in shape)]
    return list(dict.fromkeys([*chosen, *(e for e in extra if e is not None)]))
