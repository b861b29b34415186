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
from symconv.layers.pool.maxpool import indicator, window_args
from symconv.layers.pool.spec import PoolSpec
from symconv.render.example_values import example_values, small_integers
from symconv.render.figures import grid_from_labels, plane
from symconv.render.proof_table import common_context
from symconv.render.text import Notation, wrap
from symconv.render.window_text import (
    axis_arithmetic,
    geometry_text,
    latex_axes,
    per_axis_text,
    positions_shown,
)
from symconv.render.worked import by_hand, evaluate_all, number_matrices, symbol_values


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
    """A cell's shares on two lines, one share each (more are elided with dots; the listing
    above has them all)."""
    if not terms:
        return "0", ""
    per_line = 1   # one name per line: both figure renderers print it as a name
    head = "+".join(terms[:per_line])
    rest = terms[per_line:]
    tail = ("+" + "+".join(rest[:per_line]) + ("+\\cdots" if len(rest) > per_line else "")
            if rest else "")
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
    # in 3-d, the depth slice where the most entries receive gradient
    slice_ = (max(range(w.input[0]), key=lambda t: sum(bool(s) for s in shares[t].flat))
              if rank == 3 else 0)
    depth = f" (depth slice {slice_})" if rank == 3 else ""
    view = plane(values[0, 0], rank, slice_)
    got = plane(shares, rank, slice_)
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
        figs.append(grid_from_labels("upsampled", "", plane(up, rank, slice_),
                                     np.full(got.shape, "input", dtype=object),
                                     title=r"$G$ upsampled" + depth))
    return figs


def name_indicators(derivation: Derivation[PoolSpec], notation: Notation) -> None:
    """``[X_w = max O_i]`` printed with the document's entry names (every varying index)."""
    g = derivation.forward.upstream
    windows = derivation.identity("dX").parts["windows"]
    for index, entries in np.ndenumerate(windows):
        window = notation.name(g[index]).replace("G", "O", 1)
        for entry in entries:
            notation.rename(indicator(g[index], entry),
                            rf"[{notation.name(entry)} = \max {window}]")


def worked_example(derivation: Derivation[PoolSpec]) -> dict:
    """The example input values (distinct: one maximum per window) and small positive G;
    the derived gradient there, each indicator ``[X_w = max O_i]`` set from the values."""
    x, g = derivation.forward.inputs["X"], derivation.forward.upstream
    arrays = {"X": example_values(x.shape), "G": small_integers(g.shape, 1, 4, 2)}
    values = symbol_values([(x, arrays["X"]), (g, arrays["G"])])
    if derivation.spec.layer == "maxpool":
        windows = derivation.identity("dX").parts["windows"]
        for index, entries in np.ndenumerate(windows):
            best = max(entries, key=lambda e: arrays["X"][x.index_of[e]])
            for entry in entries:
                values[indicator(g[index], entry)] = float(entry is best)
    return {"inputs": arrays, "gradients": evaluate_all(derivation.gradients, values),
            "values": values}


def worked_context(derivation: Derivation[PoolSpec], notation: Notation,
                   example: dict) -> dict:
    rank = derivation.spec.window.rank
    x = derivation.forward.inputs["X"]
    inputs, dx = example["inputs"], example["gradients"]["X"]
    is_max = derivation.spec.layer == "maxpool"
    polys = derivation.gradients["X"][0, 0]
    # by hand: among the entries that receive gradient, the one with the most terms
    u = max(np.ndindex(*polys.shape), key=lambda v: (dx[(0, 0, *v)] != 0, len(polys[v])))
    return {
        "intro": ("Put the example values into $X$ and small integers into $G$"
                  + (" (image 0, channel 0 shown)" if x.shape[0] * x.shape[1] > 1 else "")),
        "shown": number_matrices([("X", inputs["X"]), ("G", inputs["G"])], rank),
        "evaluated": ("The derived gradient, with each indicator set to 1 for the maximum "
                      "of its window and 0 otherwise, is" if is_max else
                      "The derived gradient at these numbers is"),
        "results": number_matrices([(r"\partial L/\partial X", dx)], rank),
        "after": "",
        "check": by_hand(notation, notation.partial(x[(0, 0, *u)]), polys[u],
                         example["values"]),
        "call": "backward(dy, x)",
    }


def exercises(derivation: Derivation[PoolSpec], notation: Notation,
              example: dict) -> list[dict]:
    spec = derivation.spec
    x = derivation.forward.inputs["X"]
    corner = notation.name(x[(0,) * len(x.shape)])
    first = derivation.gradients["X"][(0,) * len(x.shape)]
    w = spec.window
    windows = prod(w.output)
    dx = example["gradients"]["X"][0, 0]
    padded = any(lo or hi for lo, hi in w.padding)
    overlap = any(k_eff > s for k_eff, s in zip(w.effective_kernel, w.stride))
    if spec.layer == "maxpool":
        items = [
            {"question": "In the worked example, how many entries of "
                         r"$\partial L/\partial X$ (one image, one channel) are non-zero, and "
                         "what is the most there could be?",
             "answer": f"{int(np.count_nonzero(dx))} of {dx.size}. At most one per window, "
                       f"{windows} here: each window sends its whole $G_i$ to one entry"
                       + (", and an entry that wins overlapping windows collects several."
                          if overlap else ".")},
            {"question": "Two entries of a window tie for the maximum. Where does the "
                         "generated code send the gradient, and does the proof say so?",
             "answer": "To the first of them in scan order, like PyTorch. The proof holds on "
                       "the regions where the maximum is unique; ties are a convention."},
            {"question": "Add 10 to every input value. Does the gradient change?",
             "answer": "No: the same entries stay the maxima of their windows, and the "
                       "gradient depends on $X$ only through which entry wins."},
        ]
        if padded:
            items.append({"question": "Can a padding position win a window?",
                          "answer": r"No: padding counts as $-\infty$, so a window's "
                                    "maximum is always an input entry."})
        return items
    divisor = ("the whole window, padding included" if spec.count_include_pad
               else "only the input entries it covers")
    return [
        {"question": r"Does $\partial L/\partial X$ depend on the input values $X$?",
         "answer": "No: an average is linear in $X$, so its derivative is a constant, "
                   "$1/q_i$ for every entry of window $i$."},
        {"question": f"Which windows send gradient to the corner entry ${corner}$, and "
                     "with which shares?",
         "answer": f"${notation.partial(x[(0,) * len(x.shape)])} = "
                   + " + ".join(notation.sorted_terms(first)) + "$: "
                   + ("one window covers it and divides its $G_i$ by its divisor $q_i$ "
                      if len(first) == 1 else f"{len(first)} windows cover it, each "
                      "dividing its $G_i$ by its divisor $q_i$ ")
                   + f"({divisor})."},
        {"question": "How many entries of the input does window $i$ send gradient to?",
         "answer": f"Every input entry it covers: up to {prod(w.kernel)} "
                   f"(${latex_axes(w.kernel)}$), fewer where it hangs over the padding."},
    ]


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
    if is_max:
        name_indicators(derivation, notation)
    gradient = derivation.gradients["X"]
    longest = max(len(p) for p in gradient.flat)
    example = worked_example(derivation)
    context = {
        **common_context(derivation),
        "worked": worked_context(derivation, notation, example),
        "exercises": exercises(derivation, notation, example),
        "shapes": {"X": latex_axes(spec.input_shape), "O": latex_axes(spec.output_shape)},
        "superscripts": notation.superscripts["X"],
        "position_index": ",".join("ijk"[:w.rank]) if w.rank > 1 else "i",
        "first_output": notation.name(g[first]).replace("G", "O", 1),
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
        context["heaviside"] = notation.latex(sympy.diff(output, winner))
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
