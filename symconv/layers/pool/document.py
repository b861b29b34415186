"""The values of the pooling documents, read from the proven derivation.

The forward entries are the derived forward pass; the backward entries are derived
gradients; the worked example evaluates the proven routing (the windows the closed form
used) on fixed example numbers, so documents are byte-identical from run to run.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy

from symconv.engine.pipeline import Derivation
from symconv.layers.pool.maxpool import window_args
from symconv.layers.pool.spec import PoolSpec
from symconv.render.example_values import example_values
from symconv.render.figures import grid_from_labels, plane
from symconv.render.proof_table import common_context
from symconv.render.text import entry_order, equation, symbol_key, wrap
from symconv.render.window_text import (
    axis_arithmetic,
    example_positions,
    geometry_text,
    per_axis_text,
)


def averaged(lhs: str, poly: dict, key) -> dict:
    """``lhs = 1/q (a + b + ...)`` when every coefficient is ``1/q``; else the plain sum."""
    shares = {Fraction(c) for c in poly.values()}
    if len(shares) == 1:
        share = shares.pop()
        if share.numerator == 1 and share.denominator > 1:
            result = equation(lhs, {m: 1 for m in poly}, key)
            return {**result, "factor": rf"\frac{{1}}{{{share.denominator}}}"}
    return {**equation(lhs, poly, key), "factor": ""}


def plane_index(u: tuple[int, ...], rank: int):
    """Where input position ``u`` appears in the 2-d view, or an empty slice for other slices."""
    if rank == 1:
        return (0, u[0])
    if rank == 3:
        return u[1:] if u[0] == 0 else (slice(0, 0), slice(0, 0))
    return u


def routing_figures(derivation: Derivation[PoolSpec]) -> list:
    """Example input values and how many windows send gradient to each entry: for max
    pooling the largest entry of each proven window, for average pooling every entry."""
    spec = derivation.spec
    w = spec.window
    x = derivation.forward.inputs["X"]
    values = example_values(spec.input_shape)
    received = np.zeros(spec.input_shape, dtype=int)
    winners = set()
    is_max = spec.layer == "maxpool"
    if is_max:
        for entries in derivation.identity("dX").parts["windows"].flat:
            best = max(entries, key=lambda e: values[x.index_of[e]])  # first maximum in scan order
            received[x.index_of[best]] += 1
            winners.add(x.index_of[best][2:])
    else:
        for index, poly in np.ndenumerate(derivation.gradients["X"]):
            received[index] = len(poly)
    view = plane(values[0, 0], w.rank)
    counts = plane(received[0, 0], w.rank)
    input_kinds = np.full(view.shape, "input", dtype=object)
    for u in winners:
        input_kinds[plane_index(u, w.rank)] = "kernel"
    got_kinds = np.where(counts > 0, "grad", "zero")
    slice_note = " (first depth slice)" if w.rank == 3 else ""
    what = ("how many windows route their G here" if is_max
            else "how many windows share their G with this entry")
    caption = ("Example input values; highlighted: the maximum of some window" if is_max
               else "Example input")
    return [grid_from_labels("values", caption + slice_note, np.vectorize(str)(view),
                             input_kinds),
            grid_from_labels("routing", f"Gradient received: {what}" + slice_note,
                             np.vectorize(str)(counts), got_kinds)]


def document_context(derivation: Derivation[PoolSpec]) -> dict:
    """The values ``derivation.md.jinja`` places."""
    spec = derivation.spec
    w = spec.window
    forward = derivation.forward
    is_max = spec.layer == "maxpool"
    rows = axis_arithmetic(w)
    first = (0,) * (2 + w.rank)
    output = forward.output[first]
    x, g = forward.inputs["X"], forward.upstream
    context = {
        **common_context(derivation),
        "is_max": is_max,
        "title": f"Backpropagation through {'max' if is_max else 'average'} pooling",
        "rank": w.rank,
        "geometry": geometry_text(w),
        "count_include_pad": spec.count_include_pad,
        "axes": rows,
        "g_pad_text": per_axis_text(rows, "g_pad"),
        "channels": spec.channels, "batch": spec.batch,
        "figures": routing_figures(derivation),
    }
    positions = example_positions(w.output)
    key = symbol_key(entry_order(g, x))
    gradient = derivation.gradients["X"]
    if is_max:
        winner = window_args(output)[0]
        context["max_examples"] = [
            {"lhs": g[(0, 0, *i)].name.replace("G", "O", 1),
             "entries": wrap([e.name for e in window_args(forward.output[(0, 0, *i)])],
                             separator=", ")}
            for i in positions]
        context["heaviside"] = sympy.latex(sympy.diff(output, winner))
        context["winner"] = winner.name
        indicator_key = symbol_key({**entry_order(g, x),
                                    **{s: (2, s.name) for p in gradient.flat for m in p
                                       for s in m if s not in x.index_of
                                       and s not in g.index_of}})
        context["dx_examples"] = [
            equation(rf"\frac{{\partial L}}{{\partial {x[(0, 0, *u)].name}}}",
                     gradient[(0, 0, *u)], indicator_key)
            for u in example_positions(w.input)]
    else:
        context["avg_examples"] = [
            averaged(g[(0, 0, *i)].name.replace("G", "O", 1), forward.output[(0, 0, *i)], key)
            for i in positions]
        context["dx_examples"] = [
            averaged(rf"\frac{{\partial L}}{{\partial {x[(0, 0, *u)].name}}}",
                     gradient[(0, 0, *u)], key) for u in example_positions(w.input)]
    return context
