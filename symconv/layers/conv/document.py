"""The values of the convolution document, read from the proven derivation.

Every array shown — ``X_p``, ``X_q``, ``G_s``, ``G_q``, ``rot180(W)`` — is the one the
forward pass or the closed form was built from; every sum is a derived entry; the spray view
stamps, for each output gradient ``G_i``, the terms ``G_i W_j`` of the derived input
gradient, and the gather view is the closed form's correlation window at one position. The
worked example evaluates the derived polynomials at small integers. Entries shown are for
image 0, output channel 0 and input channel 0 unless the text says otherwise.
"""

from __future__ import annotations

from math import prod

import numpy as np

from symconv.algebra import arithmetic
from symconv.algebra.symbols import ZERO
from symconv.algebra.verbs import correlation_window
from symconv.engine.pipeline import Derivation
from symconv.layers.conv.spec import ConvSpec
from symconv.render.example_values import small_integers
from symconv.render.figures import (
    MAX_SHOWN,
    combine,
    gradient_axis_kinds,
    grid_from,
    grid_from_labels,
    in_plane,
    input_axis_kinds,
    plane,
    window_cells,
)
from symconv.render.proof_table import common_context
from symconv.render.text import (
    Notation,
    index_text,
    number_latex,
    thousands,
    wrap,
)
from symconv.render.window_text import (
    axis_arithmetic,
    geometry_text,
    latex_axes,
    per_axis_text,
    positions_shown,
)
from symconv.render.worked import (
    by_hand,
    evaluate_all,
    matrices,
    number_matrices,
    symbol_values,
)

WORKED_EXAMPLE_UP_TO = 100
"""A numeric worked example is given when the input has at most this many positions."""
SPRAY_WINDOWS = 4


def unread_position(spec: ConvSpec) -> tuple[int, ...] | None:
    """An input position that no window reads (exists when some axis has r > p_hi)."""
    w = spec.window
    if all(r <= hi for r, (_, hi) in zip(w.leftover, w.padding)):
        return None
    return tuple(n - 1 for n in w.input)


def listing(notation: Notation, lhs, polys: np.ndarray, positions, lead: tuple,
            proven: int) -> dict:
    """Equations for ``positions`` of ``polys[lead]`` and the count note."""
    equations = [notation.equation(lhs(position), polys[(*lead, *position)])
                 for position in positions]
    per_plane = prod(polys.shape[len(lead):])
    return {"equations": equations, "shown": len(positions), "per_plane": per_plane,
            "proven": proven, "all_shown": len(positions) == per_plane == proven}


def kernel_pair(notation: Notation, weights, turned, rank: int) -> list[str]:
    """``W`` and ``rot180(W)`` side by side (one display each in 3-d, where W has slices)."""
    pair = (matrices(notation, "W", weights, rank)
            + matrices(notation, r"\operatorname{rot180}(W)", turned, rank))
    return pair if rank == 3 else [r" \qquad ".join(pair)]


def busiest(derivation: Derivation[ConvSpec]) -> tuple[int, ...]:
    """The input position (image 0, channel 0) whose derived gradient has the most terms,
    the first in scan order: where the spray and gather views have the most to show."""
    grads = derivation.gradients["X"][0, 0]
    return max(np.ndindex(*grads.shape), key=lambda u: len(grads[u]))


def spray_and_gather(derivation: Derivation[ConvSpec], notation: Notation) -> dict:
    """Both views of dX at the busiest input position u (image 0, channel 0).

    Spray: the derived entry, each term ``G_i W_j`` labelled by the window i it came from.
    Gather: the closed form's window at u, ``sum_j G_q[u + d j] rot180(W)[j]``, zeros included.
    """
    spec = derivation.spec
    w = spec.window
    u = busiest(derivation)
    derived = derivation.gradients["X"][(0, 0, *u)]
    g = derivation.forward.upstream
    spray = []
    for mono, coefficient in sorted(derived.items(), key=lambda t: notation.key(t[0])):
        g_symbol = next(s for s in mono if s in g.index_of)
        window = index_text(g.index_of[g_symbol][2:])
        channel = (rf",\ o = {g.index_of[g_symbol][1]}" if spec.group_out > 1 else "")
        spray.append(rf"\underbrace{{{notation.term(mono, coefficient)}}}"
                     rf"_{{\text{{window }}({window}){channel}}}")
    identity = derivation.identity("dX")
    g_quad, kernel = identity.parts["G_q"], identity.parts["rot180(W)"]
    gather = []
    for o in range(spec.group_out):
        for j, entry in correlation_window(g_quad[0, o], kernel.shape[2:], dilation=w.dilation,
                                           step=(1,) * w.rank, a=u):
            gather.append(notation.entry(entry) + r" \cdot "
                          + notation.name(kernel[(o, 0, *j)]))
    taps = len(gather)
    if len(gather) > 12:
        gather = gather[:4] + [r"\cdots"] + gather[-2:]
    if len(spray) > 8:
        spray = spray[:3] + [r"\cdots"] + spray[-1:]
    return {"lhs": notation.partial(derivation.forward.inputs["X"][(0, 0, *u)]),
            "position": index_text(u), "pairs": len(derived), "taps": taps,
            "spray": wrap(spray or ["0"], width=70), "gather": wrap(gather)}


def input_kinds(rows: list[dict]) -> np.ndarray:
    return combine([input_axis_kinds(a["n"], a["lo"], a["hi"], a["r_value"]) for a in rows],
                   ("unread", "pad", "input"))


def gradient_kinds(rows: list[dict]) -> np.ndarray:
    return combine([gradient_axis_kinds(arithmetic.dilated_length(a["m_value"], a["s"]),
                                        a["s"], *a["g_pad"], a["r_value"]) for a in rows],
                   ("extra", "pad", "zero", "grad"))


def _outline(cells, rank, depth=0):
    return [m for m in (in_plane(p, rank, depth) for p in cells) if m is not None]


def figures(derivation: Derivation[ConvSpec], rows: list[dict], notation: Notation) -> dict:
    """Every figure of the document, by the name the template refers to."""
    spec = derivation.spec
    w = spec.window
    rank = w.rank
    x_full = derivation.forward.parts["X_p"]
    dw, dx = derivation.identity("dW"), derivation.identity("dX")
    x_quad, g_dilated = dw.parts["X_q"], dw.parts["G_s"]
    g_quad, kernel_rot = dx.parts["G_q"], dx.parts["rot180(W)"]
    weights = derivation.forward.inputs["W"].entries
    name = notation.name
    origin = (0,) * rank
    figs = {}

    # the layer: padded input with the first window, the kernel and its rotation
    first = window_cells(origin, w.kernel, w.dilation)
    marks = _outline([p for _, p in first], rank)
    notes = np.full(plane(x_full, rank).shape, "", dtype=object)
    for j, p in first:
        cell = in_plane(p, rank)
        if cell is not None:
            notes[cell] = r"\cdot " + name(weights[(0, 0, *j)])
    depth = " (depth slice 0)" if rank == 3 else ""
    figs["input"] = grid_from(
        "input", "The padded input $X_p$; outlined, the taps of the first window, each "
        "with the weight it meets", plane(x_full, rank), plane(input_kinds(rows), rank), marks,
        title="$X_p$" + depth, notes=notes, label=name)
    kinds = np.full(plane(weights, rank).shape, "kernel", dtype=object)
    figs["kernel"] = grid_from("kernel", "", plane(weights, rank), kinds,
                               title="$W$" + depth, label=name)
    figs["kernel-rot180"] = grid_from(
        "kernel-rot180", r"The kernel $W$ and $\operatorname{rot180}(W)$, with every spatial "
        "axis reversed", plane(kernel_rot, rank), kinds,
        title=r"$\operatorname{rot180}(W)$" + depth, label=name)

    # dW: G_s laid over X_q at tap 0 and at the last tap
    x_kinds_q = input_kinds([{**a, "hi": a["x_pad"][1], "r_value": 0} for a in rows])
    last_tap = tuple(k - 1 for k in w.kernel)
    for tag, tap in (("dw-first", origin), ("dw-last", last_tap)):
        start = tuple(d * t for d, t in zip(w.dilation, tap))
        cells = window_cells(start, g_dilated.shape[2:], (1,) * rank)
        slice_ = cells[0][1][0] if rank == 3 else 0
        notes = np.full(plane(x_quad, rank, slice_).shape, "", dtype=object)
        hits = []
        for t, p in cells:
            g_entry = g_dilated[(0, 0, *t)]
            cell = in_plane(p, rank, slice_)
            if cell is None or g_entry is ZERO:
                continue
            hits.append(cell)
            notes[cell] = r"\cdot " + name(g_entry)
        kinds_q = plane(x_kinds_q, rank, slice_).copy()
        tap_name = name(weights[(0, 0, *tap)])
        figs[tag] = grid_from(
            tag, "", plane(x_quad, rank, slice_), kinds_q, hits,
            title=rf"$\partial L/\partial {tap_name}$: $G_s$ at offset "
                  f"$({index_text(start)})$" + (f" (slice {slice_})" if rank == 3 else ""),
            notes=notes, label=name)
    figs["dw-first"].caption = ("$G_s$ laid over $X_q$ at the offset of the first and of the "
                                "last tap; each outlined entry is multiplied by the $G$ "
                                "written under it, and the products add up to one entry of "
                                r"$\partial L/\partial W$ (the zeros of $G_s$ are skipped)")

    # dX: rot180(W) laid over G_q at the busiest input position (the gather window)
    u = busiest(derivation)
    cells = window_cells(u, w.kernel, w.dilation)
    slice_ = next((p[0] for _, p in cells if rank == 3 and g_quad[(0, 0, *p)] is not ZERO),
                  u[0] if rank == 3 else 0)
    notes = np.full(plane(g_quad, rank, slice_).shape, "", dtype=object)
    for j, p in cells:
        cell = in_plane(p, rank, slice_)
        if cell is not None:
            notes[cell] = r"\cdot " + name(kernel_rot[(0, 0, *j)])
    figs["gather"] = grid_from(
        "gather", rf"$\operatorname{{rot180}}(W)$ laid over $G_q$ for input position "
        f"$u = ({index_text(u)})$: the products of the outlined cells add up to "
        rf"$\partial L/\partial {name(derivation.forward.inputs['X'][(0, 0, *u)])}$; "
        "products with zeros vanish",
        plane(g_quad, rank, slice_), plane(gradient_kinds(rows), rank, slice_),
        _outline([p for _, p in cells], rank, slice_),
        title="$G_q$" + (f" (slice {slice_})" if rank == 3 else ""), notes=notes, label=name)

    # spray: each G_i stamps G_i W onto the input positions its window read
    figs.update(spray_figures(derivation, notation))
    return figs


def spray_figures(derivation: Derivation[ConvSpec], notation: Notation) -> dict:
    """One input-sized grid per window i (the first few): cell u shows ``G_i W_j`` when the
    derived ``dL/dX[u]`` has that term."""
    spec = derivation.spec
    w = spec.window
    rank = w.rank
    if max(plane(np.empty(w.input), rank).shape) > MAX_SHOWN:
        return {}
    x = derivation.forward.inputs["X"]
    g = derivation.forward.upstream
    stamps: dict = {}
    for u in np.ndindex(*w.input):
        for mono in derivation.gradients["X"][(0, 0, *u)]:
            g_symbol = next(s for s in mono if s in g.index_of)
            if g.index_of[g_symbol][:2] != (0, 0):
                continue
            w_symbol = next(s for s in mono if s not in g.index_of)
            stamps.setdefault(g.index_of[g_symbol][2:], {})[u] = w_symbol
    shown = SPRAY_WINDOWS if max(plane(np.empty(w.input), rank).shape) <= 6 else 2
    windows = list(np.ndindex(*w.output))[:shown]
    figs = {}
    names = []
    for i in windows:
        stamp = stamps.get(i, {})
        depth = next(iter(stamp))[0] if rank == 3 and stamp else 0
        shape = plane(x.entries, rank).shape
        labels = np.full(shape, "", dtype=object)
        notes = np.full(shape, "", dtype=object)
        kinds = np.full(shape, "input", dtype=object)
        for u, w_symbol in stamp.items():
            cell = in_plane(u, rank, depth)
            if cell is not None:
                labels[cell] = notation.name(g[(0, 0, *i)])
                notes[cell] = r"\cdot " + notation.name(w_symbol)
                kinds[cell] = "hit"
        tag = f"spray-{'-'.join(str(v) for v in i)}"
        names.append(tag)
        figs[tag] = grid_from_labels(
            tag, "", labels, kinds, notes=notes,
            title=f"${notation.name(g[(0, 0, *i)])}$ sprays" + (f" (slice {depth})"
                                                                  if rank == 3 else ""))
    if names:
        figs[names[0]].caption = (
            "The spray view: each output gradient $G_i$ stamps $G_i W$ onto the input "
            "positions its window read (green), the first "
            f"{len(names)} of {prod(w.output)} windows shown; "
            r"$\partial L/\partial X$ is the sum of all the stamps")
    return figs


def worked_example(derivation: Derivation[ConvSpec]) -> dict | None:
    """Small integers for X, W and G (every image and channel), the derived gradients
    evaluated there; ``None`` for large layers."""
    spec = derivation.spec
    if prod(spec.window.input) > WORKED_EXAMPLE_UP_TO:
        return None
    forward = derivation.forward
    x, weights, b, g = (forward.inputs["X"], forward.inputs["W"], forward.inputs["b"],
                        forward.upstream)
    arrays = {"X": small_integers(x.shape, -2, 2), "W": small_integers(weights.shape, -1, 1, 1),
              "G": small_integers(g.shape, -1, 2, 2), "b": np.zeros(b.shape, dtype=int)}
    if not arrays["G"][0, 0].sum():
        arrays["G"][(0, 0) + (0,) * spec.window.rank] += 1   # a non-zero bias gradient
    values = symbol_values((symbols, arrays[name]) for name, symbols
                           in (("X", x), ("W", weights), ("G", g), ("b", b)))
    return {"inputs": arrays, "gradients": evaluate_all(derivation.gradients, values),
            "values": values}


def worked_context(derivation: Derivation[ConvSpec], notation: Notation) -> dict | None:
    example = worked_example(derivation)
    if example is None:
        return None
    rank = derivation.spec.window.rank
    inputs, gradients = example["inputs"], example["gradients"]
    u = busiest(derivation)
    x = derivation.forward.inputs["X"]
    channels = derivation.spec.batch > 1 or derivation.spec.in_channels > 1 \
        or derivation.spec.out_channels > 1
    db = ", ".join(number_latex(v) for v in gradients["b"])
    return {
        "intro": "Put small integers into the layer" + (
            " (every image and channel gets its own; shown for image 0 and channel 0)"
            if channels else ""),
        "shown": number_matrices([(name, inputs[name]) for name in "XWG"], rank),
        "evaluated": "Evaluating the derived sums at these numbers gives",
        "results": number_matrices([(rf"\partial L/\partial {name}", gradients[name])
                                    for name in "XW"], rank),
        "after": rf"and $\partial L/\partial b = ({db})$.",
        "check": by_hand(notation, notation.partial(x[(0, 0, *u)]),
                         derivation.gradients["X"][(0, 0, *u)], example["values"]),
        "call": "backward(dy, x, w)",
    }


def exercises(derivation: Derivation[ConvSpec], notation: Notation, rows) -> list[dict]:
    """Questions with answers read from the proof."""
    spec = derivation.spec
    w = spec.window
    g = derivation.forward.upstream
    x = derivation.forward.inputs["X"]
    first_g = g[(0, 0) + (0,) * w.rank]
    reached = []
    for u in np.ndindex(*w.input):
        for mono in derivation.gradients["X"][(0, 0, *u)]:
            if any(s is first_g for s in mono):
                w_symbol = next(s for s in mono if s is not first_g)
                reached.append(f"${notation.name(x[(0, 0, *u)])}$ (times "
                               f"${notation.name(w_symbol)}$)")
    g_quad = derivation.identity("dX").parts["G_q"]
    db_terms = len(derivation.gradients["b"][0])
    items = [
        {"question": f"Which input entries does ${notation.name(first_g)}$ reach in the "
                     "backward pass, and through which weights?",
         "answer": (f"{len(reached)}: " + ", ".join(reached[:9])
                    + (", ..." if len(reached) > 9 else "")
                    + ". These are the taps of the first window that land on the input "
                      "rather than on padding.")},
        {"question": r"How many terms does $\partial L/\partial b_{0}$ have, and why?",
         "answer": f"{thousands(db_terms, math=False)}: one $G$ entry per image and output "
                   "position of channel 0, each with local derivative 1."},
        {"question": "How many zeros go between neighbouring entries of $G$ in $G_s$, and what "
                     "shape is $G_q$?",
         "answer": (", ".join(f"{a['s'] - 1} on the {a['name']} axis (stride {a['s']})"
                              for a in rows)
                    + f"; $G_q$ has shape ${latex_axes(g_quad.shape[2:])}$, so that "
                      f"$\\operatorname{{rot180}}(W)$ fits ${latex_axes(w.input)}$ times, once "
                      "per input position.")},
    ]
    if any(r > 0 for r in w.leftover):
        items.append({
            "question": "A transposed convolution (PyTorch's `conv_transpose`) maps $G$ back "
                        "to an input of which size, and what `output_padding` gives this "
                        "layer's input size?",
            "answer": f"Without output padding it gives "
                      f"${latex_axes(n - r for n, r in zip(w.input, w.leftover))}$; "
                      f"`output_padding` $= {latex_axes(w.leftover)}$ (the leftover $r$) "
                      f"gives ${latex_axes(w.input)}$."})
    return items


def channel_context(derivation: Derivation[ConvSpec], notation: Notation) -> dict:
    """A grouped/multi-channel example read from the derived gradients."""
    spec = derivation.spec
    w = spec.window
    weights = derivation.forward.inputs["W"]
    x = derivation.forward.inputs["X"]
    last_o = spec.out_channels - 1
    tap = (0,) * w.rank
    dw_poly = derivation.gradients["W"][(last_o, 0, *tap)]
    u = tuple(n // 2 for n in w.input)
    dx_poly = derivation.gradients["X"][(0, 0, *u)]
    return {
        "dw": notation.equation(notation.partial(weights[(last_o, 0, *tap)]), dw_poly),
        "dw_channel": spec.input_channel(last_o, 0), "last_o": last_o,
        "dx": notation.equation(notation.partial(x[(0, 0, *u)]), dx_poly),
    }


def document_context(derivation: Derivation[ConvSpec]) -> dict:
    """The values ``derivation.md.jinja`` places."""
    spec = derivation.spec
    w = spec.window
    rank = w.rank
    forward = derivation.forward
    x, weights, b, g = (forward.inputs["X"], forward.inputs["W"], forward.inputs["b"],
                        forward.upstream)
    notation = Notation(b, g, weights, x)
    rows = axis_arithmetic(w)
    unread = unread_position(spec)
    gradients = derivation.gradients
    dw, dx = derivation.identity("dW"), derivation.identity("dX")
    longest = {name: max(len(p) for p in array.flat) for name, array in gradients.items()}
    longest_forward = max(len(p) for p in forward.output.flat)
    figs = figures(derivation, rows, notation)
    wide = figs["input"].cols > 7
    spray_names = [name for name in figs if name.startswith("spray-")]
    channels = spec.batch > 1 or spec.in_channels > 1 or spec.out_channels > 1
    return {
        "rank": rank,
        "title": f"Backpropagation through a {rank}-d convolution",
        "geometry": geometry_text(w),
        "shapes": {"X": latex_axes(spec.input_shape), "W": latex_axes(spec.weight_shape),
                   "b": str(spec.out_channels), "O": latex_axes(spec.output_shape)},
        "notation": {letter: notation.superscripts[letter] for letter in "XWG"},
        "position_index": ",".join("ijk"[:rank]) if rank > 1 else "i",
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
            "channels": channels,
            "dilated": any(d > 1 for d in w.dilation),
        },
        "forward": listing(notation, lambda i: notation.name(g[(0, 0, *i)]).replace("G", "O", 1),
                           forward.output, positions_shown(w.output, longest_forward), (0, 0),
                           forward.output.size),
        "forward_terms": thousands(derivation.terms),
        "dw": listing(notation, lambda j: notation.partial(weights[(0, 0, *j)]), gradients["W"],
                      positions_shown(w.kernel, longest["W"]), (0, 0), gradients["W"].size),
        "dx": listing(notation, lambda u: notation.partial(x[(0, 0, *u)]), gradients["X"],
                      positions_shown(w.input, longest["X"], unread, busiest(derivation)),
                      (0, 0), gradients["X"].size),
        "skipped": {"count": sum(1 for poly in gradients["X"][0, 0].flat if not poly),
                    "of": prod(w.input)},
        "db_example": notation.equation(notation.partial(b[0]), gradients["b"][0]),
        "matrices": {
            "x_quad": matrices(notation, "X_q", dw.parts["X_q"], rank),
            "g_dilated": matrices(notation, "G_s", dw.parts["G_s"], rank),
            "g_quad": matrices(notation, "G_q", dx.parts["G_q"], rank),
            "w_pair": kernel_pair(notation, weights.entries, dx.parts["rot180(W)"], rank),
        },
        "spray": spray_and_gather(derivation, notation),
        "spray_figures": spray_names,
        "wide_input": wide,
        "figures": list(figs.values()),
        "worked": worked_context(derivation, notation),
        "exercises": exercises(derivation, notation, rows),
        "channel_example": channel_context(derivation, notation) if channels else None,
        "formulas": {identity.name: identity.formula.replace(" = ", " &= ", 1)
                     for identity in derivation.identities},
        **common_context(derivation),
    }
