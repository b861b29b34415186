"""The values of the convolution document, read from the proven derivation.

Every array shown — ``X_p``, ``X_q``, ``G_s``, ``G_q``, ``rot180(W)`` — is the one the
forward pass or the closed form was built from; every sum is a derived entry; the spray view
of one dX entry is its derived polynomial (each term one pair ``G_i W_j``) and the gather view
is the closed form's correlation window at that position. All entries shown are for image 0,
output channel 0 and input channel 0.
"""

from __future__ import annotations

from math import prod

import numpy as np

from symconv.algebra import arithmetic
from symconv.algebra.verbs import correlation_window
from symconv.engine.pipeline import Derivation
from symconv.layers.conv.spec import ConvSpec
from symconv.render.figures import (
    combine,
    gradient_axis_kinds,
    grid_from,
    input_axis_kinds,
    plane,
    window_marks,
)
from symconv.render.proof_table import common_context
from symconv.render.text import (
    entry_label,
    entry_order,
    equation,
    matrix_latex,
    symbol_key,
    term_latex,
    wrap,
)
from symconv.render.window_text import (
    ALL_ENTRIES_UP_TO,
    axis_arithmetic,
    example_positions,
    geometry_text,
    latex_axes,
    per_axis_text,
)


def unread_position(spec: ConvSpec) -> tuple[int, ...] | None:
    """An input position that no window reads (exists when some axis has r > p_hi)."""
    w = spec.window
    if all(r <= hi for r, (_, hi) in zip(w.leftover, w.padding)):
        return None
    return tuple(n - 1 for n in w.input)


def partial(symbol) -> str:
    return rf"\frac{{\partial L}}{{\partial {symbol.name}}}"


def spray_and_gather(derivation: Derivation[ConvSpec], key) -> dict:
    """Both views of dX at the middle input position u (image 0, channel 0).

    Spray: the derived entry — one term ``G_i W_j`` per window i and tap j that read u.
    Gather: the closed form's window at u, ``sum_j G_q[u + d j] rot180(W)[j]``, zeros included.
    """
    spec = derivation.spec
    w = spec.window
    u = tuple(n // 2 for n in w.input)
    derived = derivation.gradients["X"][(0, 0, *u)]
    spray = [term_latex(mono, c) for mono, c in sorted(derived.items(), key=lambda t: key(t[0]))]
    identity = derivation.identity("dX")
    g_quad, kernel = identity.parts["G_q"], identity.parts["rot180(W)"]
    gather = []
    for o in range(spec.group_out):
        for j, g in correlation_window(g_quad[0, o], kernel.shape[2:], dilation=w.dilation,
                                       step=(1,) * w.rank, a=u):
            gather.append(entry_label(g) + r" \cdot " + kernel[(o, 0, *j)].name)
    if len(gather) > 12:
        gather = gather[:4] + [r"\cdots"] + gather[-2:]
    return {"lhs": partial(derivation.forward.inputs["X"][(0, 0, *u)]), "position": u,
            "pairs": len(derived), "spray": wrap(spray or ["0"]), "gather": wrap(gather)}


def figures(derivation: Derivation[ConvSpec], rows: list[dict]) -> list:
    """The padded input with the first window, W and rot180(W), and G_q with one window."""
    spec = derivation.spec
    w = spec.window
    x_full = derivation.forward.parts["X_p"]
    g_quad = derivation.identity("dX").parts["G_q"]
    kernel_rot = derivation.identity("dX").parts["rot180(W)"]
    input_kinds = combine([input_axis_kinds(a["n"], a["lo"], a["hi"], a["r_value"])
                           for a in rows], ("unread", "pad", "input"))
    g_kinds = combine([gradient_axis_kinds(arithmetic.dilated_length(a["m_value"], a["s"]),
                                           a["s"], *a["g_pad"], a["r_value"]) for a in rows],
                      ("extra", "pad", "zero", "grad"))
    origin = (0,) * w.rank
    weights = derivation.forward.inputs["W"].entries
    kernel_kinds = np.full(plane(weights, w.rank).shape, "kernel", dtype=object)
    slice_note = " (first depth slice)" if w.rank == 3 else ""
    return [
        grid_from("input", "Padded input $X_p$; outlined: the taps of the first window"
                  + slice_note, plane(x_full, w.rank), plane(input_kinds, w.rank),
                  window_marks(origin, w.kernel, w.dilation, w.rank)),
        grid_from("kernel", "Kernel $W$" + slice_note, plane(weights, w.rank), kernel_kinds),
        grid_from("kernel-rot180", r"$\operatorname{rot180}(W)$" + slice_note,
                  plane(kernel_rot, w.rank), kernel_kinds),
        grid_from("gradient", "$G_q$: $G$ dilated by the stride inside its zero padding; "
                  "outlined: the taps of rot180(W) for the first input entry" + slice_note,
                  plane(g_quad, w.rank), plane(g_kinds, w.rank),
                  window_marks(origin, w.kernel, w.dilation, w.rank)),
    ]


def document_context(derivation: Derivation[ConvSpec]) -> dict:
    """The values ``derivation.md.jinja`` places."""
    spec = derivation.spec
    w = spec.window
    forward = derivation.forward
    x, weights, b, g = (forward.inputs["X"], forward.inputs["W"], forward.inputs["b"],
                        forward.upstream)
    key = symbol_key(entry_order(b, g, weights, x))
    rows = axis_arithmetic(w)
    unread = unread_position(spec)
    gradients = derivation.gradients
    dw, dx = derivation.identity("dW"), derivation.identity("dX")
    dx_positions = list(dict.fromkeys([*example_positions(w.input), *([unread] if unread else [])]))
    return {
        "rank": w.rank,
        "title": f"Backpropagation through a {w.rank}-d convolution",
        "geometry": geometry_text(w),
        "shapes": {"X": latex_axes(spec.input_shape), "W": latex_axes(spec.weight_shape),
                   "b": str(spec.out_channels), "O": latex_axes(spec.output_shape)},
        "channels": {"batch": spec.batch, "in": spec.in_channels, "out": spec.out_channels,
                     "groups": spec.groups, "in_per_group": spec.group_in,
                     "out_per_group": spec.group_out},
        "axes": rows,
        "x_pad_text": per_axis_text(rows, "x_pad"),
        "g_pad_text": per_axis_text(rows, "g_pad"),
        "flags": {
            "strided": any(s > 1 for s in w.stride),
            "leftover": any(r > 0 for r in w.leftover),
            "unread": unread is not None,
            "channels": spec.batch > 1 or spec.in_channels > 1 or spec.out_channels > 1,
            "all_forward": prod(w.output) <= ALL_ENTRIES_UP_TO,
        },
        "forward_examples": [equation(g[(0, 0, *i)].name.replace("G", "O", 1),
                                      forward.output[(0, 0, *i)], key)
                             for i in example_positions(w.output)],
        "forward_terms": derivation.terms,
        "dw_examples": [equation(partial(weights[(0, 0, *j)]), gradients["W"][(0, 0, *j)], key)
                        for j in example_positions(w.kernel)],
        "dx_examples": [equation(partial(x[(0, 0, *u)]), gradients["X"][(0, 0, *u)], key)
                        for u in dx_positions],
        "db_example": equation(partial(b[0]), gradients["b"][0], key),
        "matrices": {
            "x_quad": matrix_latex(plane(dw.parts["X_q"], w.rank)),
            "g_dilated": matrix_latex(plane(dw.parts["G_s"], w.rank)),
            "g_quad": matrix_latex(plane(dx.parts["G_q"], w.rank)),
            "w": matrix_latex(plane(weights.entries, w.rank)),
            "w_rot": matrix_latex(plane(dx.parts["rot180(W)"], w.rank)),
            "slice_note": "first depth slice of " if w.rank == 3 else "",
        },
        "spray": spray_and_gather(derivation, key),
        "figures": figures(derivation, rows),
        **common_context(derivation),
    }
