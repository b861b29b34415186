"""Everything a derivation document shows, prepared as strings and lists for the templates.

Steps:
1. the setup: shapes, and the size arithmetic for every axis with this layer's numbers;
2. the forward pass written out (all entries of a small layer, a few of a large one);
3. the derived sums for dL/dW, dL/dX, dL/db — read off the proven derivation;
4. the recognition step: the padded/cropped input, the stride-dilated and padded gradient,
   W and rot180(W) as matrices, and the figures;
5. the scatter ("spray") and gather views of one dX entry;
6. the proof results.
All entries shown are for image 0, output channel 0 and input channel 0; other channel pairs
have the same structure with their own symbols.
"""

from __future__ import annotations

from math import prod

import numpy as np

from symconv.algebra import arithmetic
from symconv.figures import (
    COLOURS,
    LEGEND,
    combine,
    gradient_axis_kinds,
    grid_from,
    input_axis_kinds,
    plane,
    window_marks,
)
from symconv.latex_text import (
    entry_label,
    escape,
    matrix_latex,
    sum_lines,
    symbol_key,
    term_latex,
    wrap,
)
from symconv.algebra.verbs import dilate, pad, rot180
from symconv.pipeline import Derivation
from symconv.warmup import scalar_chain_rule

AXIS_NAMES = {1: ["length"], 2: ["height", "width"], 3: ["depth", "height", "width"]}
ALL_ENTRIES_UP_TO = 9


def latex_axes(values) -> str:
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


def axis_arithmetic(spec) -> list[dict]:
    """Per axis: the formulas for K, m and r with this layer's numbers substituted."""
    w = spec.window
    rows = []
    for name, n, k, s, d, (lo, hi), big_k, m, r in zip(
            AXIS_NAMES[w.rank], w.input, w.kernel, w.stride, w.dilation, w.padding,
            w.effective_kernel, w.output, w.leftover):
        rows.append({
            "name": name,
            "K": rf"K = d(k-1)+1 = {d}({k}-1)+1 = {big_k}",
            "m": (rf"m = \left\lfloor \frac{{n + p_{{lo}} + p_{{hi}} - K}}{{s}} \right\rfloor + 1"
                  rf" = \left\lfloor \frac{{{n} + {lo} + {hi} - {big_k}}}{{{s}}} \right\rfloor"
                  rf" + 1 = {m}"),
            "r": (rf"r = (n + p_{{lo}} + p_{{hi}} - K) \bmod s = ({n} + {lo} + {hi} - {big_k})"
                  rf" \bmod {s} = {r}"),
            "n": n, "k": k, "s": s, "d": d, "lo": lo, "hi": hi, "K_value": big_k, "m_value": m,
            "r_value": r, "unread_inputs": max(0, r - hi),
            "x_pad": arithmetic.weight_grad_padding(lo, hi, r),
            "g_pad": arithmetic.input_grad_padding(k, d, lo, hi, r),
        })
    return rows


class _Writer:
    """Turns entries of the proven gradients into displayed equations."""

    def __init__(self, derivation: Derivation):
        forward = derivation.forward
        self.derivation = derivation
        order = {}
        for rank, array in enumerate((forward.inputs["b"], forward.upstream,
                                      forward.inputs["W"], forward.inputs["X"])):
            for symbol, index in array.index_of.items():
                order[symbol] = (rank, index)
        self.key = symbol_key(order)

    def equation(self, lhs: str, poly) -> dict:
        lines, count = sum_lines(poly, self.key)
        return {"lhs": lhs, "lines": lines, "count": count}

    def forward_examples(self, spec) -> list[dict]:
        forward = self.derivation.forward
        return [self.equation(forward.upstream[(0, 0, *i)].name.replace("G", "O", 1),
                              forward.output[(0, 0, *i)])
                for i in example_positions(spec.window.output)]

    def gradient_examples(self, wrt: str, positions, extra=()) -> list[dict]:
        array = self.derivation.forward.inputs[wrt]
        gradient = self.derivation.gradients[wrt]
        return [self.equation(rf"\frac{{\partial L}}{{\partial {array[(0, 0, *i)].name}}}",
                              gradient[(0, 0, *i)])
                for i in list(dict.fromkeys([*positions, *extra]))]


def per_axis_text(rows: list[dict], key: str) -> str:
    """``$(1, 1)$ on the height axis and $(0, 2)$ on the width axis``; one axis: ``$(1, 1)$``."""
    parts = [f"$({a[key][0]}, {a[key][1]})$" for a in rows]
    if len(parts) == 1:
        return parts[0]
    named = [f"{part} on the {a['name']} axis" for part, a in zip(parts, rows)]
    return ", ".join(named[:-1]) + " and " + named[-1]


def unread_position(spec) -> tuple[int, ...] | None:
    """An input position that no window reads (exists when some axis has r > p_hi)."""
    w = spec.window
    if all(r <= hi for r, (_, hi) in zip(w.leftover, w.padding)):
        return None
    return tuple(n - 1 for n in w.input)


def spray_and_gather(spec, derivation: Derivation, g_quad: np.ndarray,
                     kernel_rot: np.ndarray) -> dict:
    """Both views of one dX entry (image 0, channels 0) at a middle input position u.

    Spray: dX[u] = sum over (i, j) with s*i + d*j = u + p_lo of G[i] W[j].
    Gather: dX[u] = sum_j Gq[u + d*j] rot180(W)[j] — the same products plus zeros.
    """
    w = spec.window
    forward = derivation.forward
    u = tuple(n // 2 for n in w.input)
    pairs = []
    for i in np.ndindex(*w.output):
        for j in np.ndindex(*w.kernel):
            if all(s * a + d * b == v + lo for a, b, v, s, d, (lo, _) in
                   zip(i, j, u, w.stride, w.dilation, w.padding)):
                pairs.append((forward.upstream[(0, 0, *i)], forward.inputs["W"][(0, 0, *j)]))
    spray = [term_latex((g, weight), 1) for g, weight in pairs] or ["0"]
    gather = []
    for j in np.ndindex(*w.kernel):
        g = g_quad[(0, 0, *(v + d * b for v, d, b in zip(u, w.dilation, j)))]
        weight = kernel_rot[(0, 0, *j)]
        gather.append(entry_label(g) + r" \cdot " + weight.name)
    if len(gather) > 12:
        gather = gather[:4] + [r"\cdots"] + gather[-2:]
    name = forward.inputs["X"][(0, 0, *u)].name
    return {"lhs": rf"\frac{{\partial L}}{{\partial {name}}}", "position": u,
            "pairs": len(pairs), "spray": wrap(spray), "gather": wrap(gather)}


def figures(spec, derivation, x_full, g_quad, rows) -> list:
    """The input with padding and leftover, W and rot180(W), and Gq with one window."""
    w = spec.window
    forward = derivation.forward
    input_kinds = combine([input_axis_kinds(a["n"], a["lo"], a["hi"], a["r_value"])
                           for a in rows], ("unread", "pad", "input"))
    g_kinds = combine([gradient_axis_kinds(arithmetic.dilated_length(a["m_value"], a["s"]),
                                           a["s"], *a["g_pad"], a["r_value"]) for a in rows],
                      ("extra", "pad", "zero", "grad"))
    origin = (0,) * w.rank
    weights = forward.inputs["W"].entries
    kernel_kinds = np.full(plane(weights, w.rank).shape, "kernel", dtype=object)
    slice_note = " (first depth slice)" if w.rank == 3 else ""
    return [
        grid_from("input", "Padded input $X_p$; outlined: the taps of the first window"
                  + slice_note, plane(x_full, w.rank), plane(input_kinds, w.rank),
                  window_marks(origin, w.kernel, w.dilation, w.rank)),
        grid_from("kernel", "Kernel $W$" + slice_note, plane(weights, w.rank), kernel_kinds),
        grid_from("kernel-rot180", r"$\mathrm{rot180}(W)$" + slice_note,
                  plane(rot180(weights, w.rank), w.rank), kernel_kinds),
        grid_from("gradient", "$G_q$: $G$ dilated by the stride inside its zero padding; "
                  "outlined: the taps of rot180(W) for the first input entry" + slice_note,
                  plane(g_quad, w.rank), plane(g_kinds, w.rank),
                  window_marks(origin, w.kernel, w.dilation, w.rank)),
    ]


IDENTITY_LABELS = {"dsoftmax": r"\partial p_c/\partial Z_j"}


def identity_label(name: str) -> str:
    """``dW`` -> ``\\partial L/\\partial W`` for the proof table."""
    return IDENTITY_LABELS.get(name, rf"\partial L/\partial {name[1:]}")


def common_context(derivation: Derivation) -> dict:
    """Warm-up, colours, legend and the proof table."""
    return {
        "warmup": scalar_chain_rule(),
        "colours": [(kind, colour.lstrip("#").upper()) for kind, colour in COLOURS.items()],
        "legend": LEGEND,
        "proof": {
            "method": escape(derivation.results[0].method),
            "method_plain": derivation.results[0].method,
            "proven": derivation.proven,
            "results": [{"name": r.name, "label": identity_label(r.name),
                         "statement": escape(r.statement), "statement_plain": r.statement,
                         "method": escape(r.method), "method_plain": r.method,
                         "elements": r.elements, "terms": r.terms,
                         "proven": r.proven} for r in derivation.results],
        },
    }


def document_context(derivation: Derivation) -> dict:
    """The values ``derivation.tex.jinja`` and ``derivation.md.jinja`` place."""
    spec = derivation.spec
    w = spec.window
    forward = derivation.forward
    rows = axis_arithmetic(spec)
    writer = _Writer(derivation)
    x, weights, g = (forward.inputs["X"].entries, forward.inputs["W"].entries,
                     forward.upstream.entries)
    x_full = pad(x, w.padding)
    x_quad = pad(x, tuple(a["x_pad"] for a in rows))
    g_dilated = dilate(g, w.stride)
    g_quad = pad(g_dilated, tuple(a["g_pad"] for a in rows))
    kernel_rot = rot180(weights, w.rank)
    unread = unread_position(spec)
    return {
        "rank": w.rank,
        "title": f"Backpropagation through a {w.rank}-d convolution",
        "geometry": {
            "input": latex_axes(w.input), "kernel": latex_axes(w.kernel),
            "stride": latex_axes(w.stride), "dilation": latex_axes(w.dilation),
            "padding": ", ".join(f"({lo}, {hi})" for lo, hi in w.padding),
            "output": latex_axes(w.output), "leftover": latex_axes(w.leftover),
        },
        "shapes": {
            "X": latex_axes(spec.input_shape), "W": latex_axes(spec.weight_shape),
            "b": str(spec.out_channels), "O": latex_axes(spec.output_shape),
        },
        "channels": {"batch": spec.batch, "in": spec.in_channels, "out": spec.out_channels,
                     "groups": spec.groups, "in_per_group": spec.group_in,
                     "out_per_group": spec.group_out},
        "axes": rows,
        "x_pad_text": per_axis_text(rows, "x_pad"),
        "g_pad_text": per_axis_text(rows, "g_pad"),
        "flags": {
            "strided": any(s > 1 for s in w.stride),
            "dilated": any(d > 1 for d in w.dilation),
            "leftover": any(r > 0 for r in w.leftover),
            "unread": unread is not None,
            "padded": any(lo or hi for lo, hi in w.padding),
            "asymmetric": any(lo != hi for lo, hi in w.padding),
            "channels": spec.batch > 1 or spec.in_channels > 1 or spec.out_channels > 1,
            "groups": spec.groups > 1,
            "all_forward": prod(w.output) <= ALL_ENTRIES_UP_TO,
        },
        "forward_examples": writer.forward_examples(spec),
        "forward_terms": derivation.terms,
        "dw_examples": writer.gradient_examples("W", example_positions(w.kernel)),
        "dx_examples": writer.gradient_examples(
            "X", example_positions(w.input), [unread] if unread else []),
        "db_example": writer.equation(r"\frac{\partial L}{\partial b_{0}}",
                                      derivation.gradients["b"][0]),
        "matrices": {
            "x_quad": matrix_latex(plane(x_quad, w.rank)),
            "g_dilated": matrix_latex(plane(g_dilated, w.rank)),
            "g_quad": matrix_latex(plane(g_quad, w.rank)),
            "w": matrix_latex(plane(weights, w.rank)),
            "w_rot": matrix_latex(plane(kernel_rot, w.rank)),
            "slice_note": "first depth slice of " if w.rank == 3 else "",
        },
        "spray": spray_and_gather(spec, derivation, g_quad, kernel_rot),
        "figures": figures(spec, derivation, x_full, g_quad, rows),
        **common_context(derivation),
    }
