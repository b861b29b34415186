"""The values of the pooling documents, read from the proven derivation.

The forward entries are the derived forward pass; the backward entries are derived
gradients; the worked example evaluates the proven routing (the windows the closed form
used) on fixed example numbers, so documents are byte-identical from run to run.
"""

from __future__ import annotations

from fractions import Fraction
from math import prod

import numpy as np
import sympy

from symconv.engine.pipeline import Derivation
from symconv.layers.pool.maxpool import window_args
from symconv.layers.pool.spec import PoolSpec
from symconv.render.example_values import example_values
from symconv.render.figures import grid_from_labels, plane
from symconv.render.proof_table import common_context
from symconv.render.text import Notation, wrap
from symconv.render.window_text import (
    axis_arithmetic,
    geometry_text,
    per_axis_text,
    positions_shown,
)


def averaged(notation: Notation, lhs: str, poly: dict) -> dict:
    """``lhs = 1/q (a + b + ...)`` when every coefficient is ``1/q``; else the plain sum."""
    shares = {Fraction(c) for c in poly.values()}
    if len(shares) == 1:
        share = shares.pop()
        if share.numerator == 1 and share.denominator > 1:
            result = notation.equation(lhs, {m: 1 for m in poly})
            return {**result, "factor": rf"\frac{{1}}{{{share.denominator}}}"}
    return {**notation.equation(lhs, poly), "factor": ""}


def _share(name: str, coefficient) -> str:
    share = Fraction(coefficient)
    if share == 1:
        return name
    return f"{name}/{share.denominator}" if share.numerator == 1 else f"{share}\\,{name}"


def received(derivation: Derivation[PoolSpec], notation: Notation,
             values: np.ndarray) -> np.ndarray:
    """Per input position (image 0, channel 0): the list of gradient shares the derived
    ``dL/dX[u]`` holds at the example values. For max pooling a term ``[X_u = max O_i] G_i``
    counts when ``X_u`` is the largest entry of window ``i`` (the window the proof used)."""
    spec = derivation.spec
    x, g = derivation.forward.inputs["X"], derivation.forward.upstream
    is_max = spec.layer == "maxpool"
    windows = derivation.identity("dX").parts["windows"] if is_max else None
    shares = np.empty(spec.window.input, dtype=object)
    for u in np.ndindex(*spec.window.input):
        poly = derivation.gradients["X"][(0, 0, *u)]
        terms = []
        for mono, coefficient in sorted(poly.items(), key=lambda t: notation.key(t[0])):
            g_symbol = next(s for s in mono if s in g.index_of)
            if is_max:
                entries = windows[g.index_of[g_symbol]]
                best = max(entries, key=lambda e: values[x.index_of[e]])  # first maximum
                if best is not x[(0, 0, *u)]:
                    continue
            terms.append(_share(notation.name(g_symbol), coefficient))
        shares[u] = terms
    return shares


def _two_lines(terms: list[str]) -> tuple[str, str]:
    if not terms:
        return "0", ""
    head = "+".join(terms[:2])
    tail = ("+" + "+".join(terms[2:4]) + ("+\\cdots" if len(terms) > 4 else "")
            if len(terms) > 2 else "")
    return head, tail


def routing_figures(derivation: Derivation[PoolSpec], notation: Notation) -> list:
    """Example input values, and the gradient each input entry receives at those values,
    read from the derived gradient; for max pooling with window = stride also the mask of
    window maxima times the upsampled gradient."""
    spec = derivation.spec
    w = spec.window
    rank = w.rank
    is_max = spec.layer == "maxpool"
    values = example_values(spec.input_shape)
    shares = received(derivation, notation, values)
    depth = " (depth slice 0)" if rank == 3 else ""
    view = plane(values[0, 0], rank)
    got = plane(shares, rank)
    heads = np.empty(got.shape, dtype=object)
    tails = np.empty(got.shape, dtype=object)
    for index, terms in np.ndenumerate(got):
        heads[index], tails[index] = _two_lines(terms)
    got_kinds = np.vectorize(lambda t: "hit" if t else "input", otypes=[object])(got)
    value_kinds = got_kinds
    routing = grid_from_labels(
        "routing", (r"Right: the gradient $\partial L/\partial X$ each entry receives at these "
                    "values" if is_max else r"The gradient $\partial L/\partial X$ each entry "
                    "receives, for any input values")
        + ", read from the derived gradient", heads, got_kinds,
        title=r"$\partial L/\partial X$" + depth, notes=tails)
    if not is_max:   # the input values cannot change an average's gradient: not shown
        return [routing]
    figs = [grid_from_labels("values", "Left: example input values; highlighted, the maximum "
                             "of some window", np.vectorize(str, otypes=[object])(view),
                             value_kinds, title="$X$" + depth), routing]
    if is_max and w.kernel == w.stride and all(lo == 0 for lo, _ in w.padding):
        mask = np.vectorize(lambda t: "1" if t else "0", otypes=[object])(got)
        g = derivation.forward.upstream
        x = derivation.forward.inputs["X"]
        up = np.full(spec.window.input, "", dtype=object)
        windows = derivation.identity("dX").parts["windows"]
        for i in np.ndindex(*w.output):       # the windows the proof used
            for entry in windows[(0, 0, *i)]:
                up[x.index_of[entry][2:]] = notation.name(g[(0, 0, *i)])
        figs.append(grid_from_labels(
            "mask", "The mask of window maxima (left) times $G$ repeated over each window "
            "(right) gives the same gradient: with window = stride the backward pass is "
            r"$\partial L/\partial X = \text{mask} \odot \text{upsample}(G)$",
            mask, got_kinds, title="mask" + depth))
        figs.append(grid_from_labels("upsampled", "", plane(up, rank),
                                     np.full(got.shape, "input", dtype=object),
                                     title=r"$G$ upsampled" + depth))
    return figs


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
    notation = Notation(g, x)
    gradient = derivation.gradients["X"]
    longest = max(len(p) for p in gradient.flat)
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
        "figures": routing_figures(derivation, notation),
        "mask_view": is_max and w.kernel == w.stride and all(lo == 0 for lo, _ in w.padding),
    }
    out_positions = positions_shown(w.output, 1)
    in_positions = positions_shown(w.input, longest)
    context["out_count"] = {"shown": len(out_positions), "all": prod(w.output),
                            "proven": forward.output.size}
    context["dx_count"] = {"shown": len(in_positions), "all": prod(w.input),
                           "proven": gradient.size}
    if is_max:
        winner = window_args(output)[0]
        context["max_examples"] = [
            {"lhs": notation.name(g[(0, 0, *i)]).replace("G", "O", 1),
             "entries": wrap([notation.name(e)
                              for e in window_args(forward.output[(0, 0, *i)])],
                             separator=", ")}
            for i in out_positions]
        context["heaviside"] = sympy.latex(sympy.diff(output, winner))
        context["winner"] = notation.name(winner)
        context["dx_examples"] = [notation.equation(notation.partial(x[(0, 0, *u)]),
                                                    gradient[(0, 0, *u)])
                                  for u in in_positions]
    else:
        context["avg_examples"] = [
            averaged(notation, notation.name(g[(0, 0, *i)]).replace("G", "O", 1),
                     forward.output[(0, 0, *i)]) for i in out_positions]
        context["dx_examples"] = [
            averaged(notation, notation.partial(x[(0, 0, *u)]), gradient[(0, 0, *u)])
            for u in in_positions]
    return context
