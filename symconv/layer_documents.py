"""Document values for the layers other than convolution (ReLU, pooling, linear, softmax-CE).

Each ``*_context`` returns what its template (``templates/<name>.{tex,md}.jinja``) places,
on top of :func:`symconv.document.common_context` (warm-up, colours, proof table). Numbers
in the worked examples (the routing pictures) are a fixed pattern, so documents are
byte-identical from run to run.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy

from symconv.document import (
    axis_arithmetic,
    common_context,
    example_positions,
    latex_axes,
    per_axis_text,
)
from symconv.figures import grid_from_labels, plane
from symconv.latex_text import matrix_latex, sum_lines, symbol_key, wrap
from symconv.layers.maxpool import window_args
from symconv.pipeline import Derivation


def example_values(shape: tuple[int, ...]) -> np.ndarray:
    """Distinct small integers in a fixed scrambled order (no ties), for worked examples.

    >>> example_values((2, 3)).tolist()
    [[-3, 2, 1], [0, -1, -2]]
    """
    size = int(np.prod(shape))
    step = next(s for s in range(size // 2 + 1, 2 * size + 2) if np.gcd(s, size) == 1)
    order = (np.arange(size) * step) % size
    return (order - size // 2).reshape(shape)


def relu_context(derivation: Derivation) -> dict:
    spec = derivation.spec
    x = derivation.forward.inputs["X"]
    g = derivation.forward.upstream
    first = (0,) * len(spec.shape)
    symbol = x[first]
    values = plane(example_values(spec.shape), len(spec.spatial))
    kinds = np.where(values > 0, "grad", "pad")
    labels = np.vectorize(str)(values)
    mask = np.where(values > 0, "1", "0")
    return {
        **common_context(derivation),
        "title": "Backpropagation through ReLU",
        "shape": latex_axes(spec.shape),
        "x": symbol.name, "g": g[first].name,
        "sympy_derivative": sympy.latex(sympy.diff(derivation.forward.output[first], symbol)),
        "figures": [
            grid_from_labels("values", "Example input values (first image and channel)",
                             labels, kinds),
            grid_from_labels("mask", r"The mask $[X > 0]$: where the gradient passes",
                             mask, kinds),
        ],
    }


def pool_context(derivation: Derivation) -> dict:
    spec = derivation.spec
    w = spec.window
    forward = derivation.forward
    is_max = spec.layer == "maxpool"
    rows = axis_arithmetic(spec)
    first = (0,) * (2 + w.rank)
    output = forward.output[first]
    context = {
        **common_context(derivation),
        "is_max": is_max,
        "title": f"Backpropagation through {'max' if is_max else 'average'} pooling",
        "rank": w.rank,
        "geometry": {"input": latex_axes(w.input), "kernel": latex_axes(w.kernel),
                     "stride": latex_axes(w.stride), "dilation": latex_axes(w.dilation),
                     "padding": ", ".join(f"({lo}, {hi})" for lo, hi in w.padding),
                     "output": latex_axes(w.output), "leftover": latex_axes(w.leftover)},
        "count_include_pad": spec.count_include_pad,
        "axes": rows,
        "g_pad_text": per_axis_text(rows, "g_pad"),
        "channels": spec.channels, "batch": spec.batch,
        "figures": routing_figures(spec, derivation),
    }
    positions = example_positions(w.output)
    if is_max:
        winner = window_args(output)[0]
        context["max_examples"] = [
            {"lhs": forward.upstream[(0, 0, *i)].name.replace("G", "O", 1),
             "entries": wrap([e.name for e in window_args(forward.output[(0, 0, *i)])],
                             separator=", ")}
            for i in positions]
        context["heaviside"] = sympy.latex(sympy.diff(output, winner))
        context["winner"] = winner.name
    else:
        key = symbol_key({s: (0, str(forward.inputs["X"].index_of.get(s, s.name)))
                          for s in forward.inputs["X"].symbols + forward.upstream.symbols})
        context["avg_examples"] = [
            averaged(forward.upstream[(0, 0, *i)].name.replace("G", "O", 1),
                     forward.output[(0, 0, *i)], key) for i in positions]
        gradient = derivation.gradients["X"]
        context["dx_examples"] = [
            averaged(rf"\frac{{\partial L}}{{\partial {forward.inputs['X'][(0, 0, *u)].name}}}",
                     gradient[(0, 0, *u)], key) for u in example_positions(w.input)]
    return context


def averaged(lhs: str, poly: dict, key) -> dict:
    """``lhs = 1/q (a + b + ...)`` when every coefficient is ``1/q``; else the plain sum."""
    shares = {Fraction(c) for c in poly.values()}
    if len(shares) == 1:
        share = shares.pop()
        lines, count = sum_lines({m: 1 for m in poly}, key)
        if share.numerator == 1 and share.denominator > 1:
            return {"lhs": lhs, "factor": rf"\frac{{1}}{{{share.denominator}}}",
                    "lines": lines, "count": count}
    lines, count = sum_lines(poly, key)
    return {"lhs": lhs, "factor": "", "lines": lines, "count": count}


def routing_figures(spec, derivation: Derivation) -> list:
    """The worked example: input values with each window's winner (max) or the number of
    windows covering each input (average), and where the gradient lands."""
    w = spec.window
    values = example_values(spec.input_shape)[0, 0]
    received = np.zeros(w.input, dtype=int)
    winners = set()
    for i in np.ndindex(*w.output):
        reads = [u for _, u in w.taps(i)]
        if spec.layer == "maxpool":
            best = max(reads, key=lambda u: values[u])   # first maximum in scan order
            received[best] += 1
            winners.add(best)
        else:
            for u in reads:
                received[u] += 1
    view = plane(values, w.rank)
    counts = plane(received, w.rank)
    input_kinds = np.full(view.shape, "input", dtype=object)
    if spec.layer == "maxpool":
        for u in winners:
            input_kinds[plane_index(u, w.rank)] = "kernel"
    got_kinds = np.where(counts > 0, "grad", "zero")
    slice_note = " (first depth slice)" if w.rank == 3 else ""
    what = ("how many windows route their G here" if spec.layer == "maxpool"
            else "how many windows share their G with this entry")
    return [
        grid_from_labels("values", "Example input values; highlighted: the maximum of some "
                         "window" + slice_note if spec.layer == "maxpool"
                         else "Example input" + slice_note,
                         np.vectorize(str)(view), input_kinds),
        grid_from_labels("routing", f"Gradient received: {what}" + slice_note,
                         np.vectorize(str)(counts), got_kinds),
    ]


def plane_index(u: tuple[int, ...], rank: int):
    """Where input position ``u`` appears in the 2-d view, or a dummy for other slices."""
    if rank == 1:
        return (0, u[0])
    if rank == 3:
        return u[1:] if u[0] == 0 else (slice(0, 0), slice(0, 0))
    return u


def linear_context(derivation: Derivation) -> dict:
    spec = derivation.spec
    forward = derivation.forward
    x, w, b = (forward.inputs[k] for k in ("X", "W", "b"))
    g = forward.upstream
    order = {}
    for rank, array in enumerate((b, g, w, x)):
        for symbol, index in array.index_of.items():
            order[symbol] = (rank, index)
    key = symbol_key(order)

    def equation(lhs, poly):
        lines, count = sum_lines(poly, key)
        return {"lhs": lhs, "lines": lines, "count": count}

    def partial(symbol):
        return rf"\frac{{\partial L}}{{\partial {symbol.name}}}"

    gradients = derivation.gradients
    return {
        **common_context(derivation),
        "title": "Backpropagation through a fully connected layer",
        "n": spec.batch, "fin": spec.in_features, "fout": spec.out_features,
        "forward_examples": [equation(g[(n, o)].name.replace("G", "Y", 1),
                                      forward.output[n, o])
                             for n, o in example_positions((spec.batch, spec.out_features))],
        "dx_examples": [equation(partial(x[n, i]), gradients["X"][n, i])
                        for n, i in example_positions(x.shape)],
        "dw_examples": [equation(partial(w[o, i]), gradients["W"][o, i])
                        for o, i in example_positions(w.shape)],
        "db_example": equation(partial(b[0]), gradients["b"][0]),
        "matrices": {"X": matrix_latex(x.entries), "W": matrix_latex(w.entries),
                     "G": matrix_latex(g.entries), "Gt": matrix_latex(g.entries.T)},
        "figures": [],
    }


def softmax_context(derivation: Derivation) -> dict:
    spec = derivation.spec
    z = derivation.forward.inputs["Z"]
    raw = derivation.gradients["Z"][0, 0]
    return {
        **common_context(derivation),
        "title": "Backpropagation through softmax and cross-entropy",
        "n": spec.batch, "classes": spec.classes,
        "z0": z[0, 0].name,
        "sympy_gradient": sympy.latex(raw) if len(sympy.latex(raw)) < 600 else "",
        "figures": [],
    }
