"""Concrete check of the formulas on small layers, with NumPy loops, and the counterexample search.

Independent of the symbolic engine: the true gradients come from a direct loop over the forward
definition ``O[b,o,i] = bias[o] + sum_{c',j} W[o,c',j] * Xp[b, group(o)*Ci + c', window(i,j)]``
(chain rule of ``<G, O>``: every read ``W*X`` scatters ``G*W`` into dX and ``G*X`` into dW); the
closed forms are built from the verbs (pad with crops, stride dilation, rot180, correlation)
with the amounts and lengths given by the :class:`Formulas` under test. Arrays hold random
integers, so the comparison is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from symconv.allsizes.formulas import Formulas


@dataclass(frozen=True)
class Layer:
    """A concrete layer: per-axis tuples and channel counts (flat layout, PyTorch shapes)."""

    n: tuple
    k: tuple
    s: tuple
    d: tuple
    pads: tuple          # ((lo, hi), ...)
    cin: int = 1
    cout: int = 1
    groups: int = 1
    batch: int = 1

    def valid(self, f: Formulas) -> bool:
        """The spec validator's conditions: sizes >= 1 and the window fits the padded input."""
        return all(f.effective_kernel(k, d) <= n + lo + hi
                   for n, k, d, (lo, hi) in zip(self.n, self.k, self.d, self.pads))

    def options(self) -> dict:
        """CLI-style options (``--input 5x5 --kernel 2 ...``); one value applies to every axis."""
        def axes(values):   # 5 for one value on every axis, else 5x4
            return values[0] if len(set(values)) == 1 else "x".join(map(str, values))
        pads = [str(lo) if lo == hi else f"{lo}:{hi}" for lo, hi in self.pads]
        padding = pads[0] if len(set(pads)) == 1 else "x".join(pads)
        return {"input": self.n[0] if len(self.n) == 1 else "x".join(map(str, self.n)),
                "kernel": axes(self.k), "stride": axes(self.s),
                "padding": int(padding) if padding.isdigit() else padding,
                "dilation": axes(self.d), "in-channels": self.cin, "out-channels": self.cout,
                "groups": self.groups, "batch": self.batch}


def layer_from_options(options: dict) -> Layer:
    """Inverse of :meth:`Layer.options`."""
    n = tuple(int(x) for x in str(options["input"]).split("x"))

    def axes(value):
        parts = tuple(int(x) for x in str(value).split("x"))
        return parts * len(n) if len(parts) == 1 else parts
    pads = []
    for part in str(options["padding"]).split("x"):
        lo, _, hi = part.partition(":")
        pads.append((int(lo), int(hi or lo)))
    pads = tuple(pads) * len(n) if len(pads) == 1 else tuple(pads)
    return Layer(n, axes(options["kernel"]), axes(options["stride"]), axes(options["dilation"]),
                 pads, options.get("in-channels", 1),
                 options.get("out-channels", 1), options.get("groups", 1),
                 options.get("batch", 1))


def true_gradients(layer: Layer, f: Formulas, x, w, g):
    """dX, dW, db of ``<G, O>`` by a direct loop over the forward definition."""
    rank = len(layer.n)
    cin_g, cout_g = layer.cin // layer.groups, layer.cout // layer.groups
    m = tuple(f.output_length(*a) for a in zip(layer.n, layer.k, layer.s, layer.d,
                                               *zip(*layer.pads)))
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros(layer.cout, dtype=x.dtype)
    for b, o in product(range(layer.batch), range(layer.cout)):
        gamma = o // cout_g
        for i in product(*map(range, m)):
            db[o] += g[(b, o, *i)]
            for cc, j in product(range(cin_g), product(*map(range, layer.k))):
                t = [f.window(i[a], j[a], layer.s[a], layer.d[a]) for a in range(rank)]
                inside = all(0 <= t[a] < layer.n[a] + sum(layer.pads[a]) for a in range(rank))
                src = tuple(t[a] - layer.pads[a][0] for a in range(rank))
                if not inside or not all(0 <= src[a] < layer.n[a] for a in range(rank)):
                    continue
                c = gamma * cin_g + cc
                dx[(b, c, *src)] += g[(b, o, *i)] * w[(o, cc, *j)]
                dw[(o, cc, *j)] += g[(b, o, *i)] * x[(b, c, *src)]
    return dx, dw, db


def _pad(a: np.ndarray, axis: int, lo: int, hi: int) -> np.ndarray:
    """``out[t] = a[t - lo]`` inside, 0 outside, length ``len + lo + hi`` (negative = crop)."""
    size = a.shape[axis] + lo + hi
    if size < 0:
        raise ValueError("pad removes more than the axis holds")
    out = np.zeros(a.shape[:axis] + (size,) + a.shape[axis + 1:], dtype=a.dtype)
    for t in range(size):
        if 0 <= t - lo < a.shape[axis]:
            out[(slice(None),) * axis + (t,)] = a[(slice(None),) * axis + (t - lo,)]
    return out


def _dilate(a: np.ndarray, axis: int, s: int, length: int) -> np.ndarray:
    """``out[s*i] = a[i]``, zeros elsewhere, length ``length`` (from ``dilated_length``)."""
    out = np.zeros(a.shape[:axis] + (max(length, 0),) + a.shape[axis + 1:], dtype=a.dtype)
    for i in range(a.shape[axis]):
        if s * i < length:
            out[(slice(None),) * axis + (s * i,)] = a[(slice(None),) * axis + (i,)]
    return out


def _correlate(a: np.ndarray, b: np.ndarray, step, dil, lengths) -> np.ndarray:
    """``out[u] = sum_j a[step*u + dil*j] * b[j]`` (reads outside ``a`` give 0)."""
    out = np.zeros(tuple(max(n, 0) for n in lengths), dtype=a.dtype)
    for u in product(*map(range, out.shape)):
        for j in product(*map(range, b.shape)):
            at = tuple(st * x + dl * y for st, x, dl, y in zip(step, u, dil, j))
            if all(0 <= t < n for t, n in zip(at, a.shape)):
                out[u] += a[at] * b[j]
    return out


def closed_forms(layer: Layer, f: Formulas, x, w, g):
    """dX, dW, db from the verbs, with the amounts and lengths of ``f``."""
    rank = len(layer.n)
    cin_g, cout_g = layer.cin // layer.groups, layer.cout // layer.groups
    geo = list(zip(layer.n, layer.k, layer.s, layer.d, *zip(*layer.pads)))
    r = [f.leftover(*a) for a in geo]

    def dilated(arr):
        for a in range(rank):
            arr = _dilate(arr, a, layer.s[a], f.dilated_length(arr.shape[a], layer.s[a]))
        return arr

    def padded(arr, amounts):
        for a, (lo, hi) in enumerate(amounts):
            arr = _pad(arr, a, lo, hi)
        return arr

    dx_amounts = [f.input_grad_padding(k, d, lo, hi, rr) for (_, k, _, d, lo, hi), rr in
                  zip(geo, r)]
    dw_amounts = [f.weight_grad_padding(lo, hi, rr) for (_, _, _, _, lo, hi), rr in zip(geo, r)]
    dx = dw = None
    for b, c in product(range(layer.batch), range(layer.cin)):
        gamma, cc = divmod(c, cin_g)
        for o in range(gamma * cout_g, (gamma + 1) * cout_g):
            gq = padded(dilated(g[b, o]), dx_amounts)
            kern = w[o, cc][(slice(None, None, -1),) * rank] if f.rotate_kernel_in_dx else w[o, cc]
            lengths = [f.output_length(gq.shape[a], layer.k[a], 1, layer.d[a], 0, 0)
                       for a in range(rank)]
            part = _correlate(gq, kern, (1,) * rank, layer.d, lengths)
            if dx is None:
                dx = np.zeros((layer.batch, layer.cin) + part.shape, dtype=x.dtype)
            dx[b, c] += part
    for o, cc in product(range(layer.cout), range(cin_g)):
        c = (o // cout_g) * cin_g + cc
        for b in range(layer.batch):
            xq = padded(x[b, c], dw_amounts)
            gd = dilated(g[b, o]) if f.dilate_g_in_dw else g[b, o]
            lengths = [f.output_length(xq.shape[a], gd.shape[a], layer.d[a], 1, 0, 0)
                       for a in range(rank)]
            part = _correlate(xq, gd, layer.d, (1,) * rank, lengths)
            if dw is None:
                dw = np.zeros((layer.cout, cin_g) + part.shape, dtype=x.dtype)
            dw[o, cc] += part
    db = g.sum(axis=(0, *range(2, 2 + rank)))   # sum of G over batch and positions
    return dx, dw, db


def breaks(layer: Layer, f: Formulas, seed: int = 0) -> str | None:
    """Why the closed forms of ``f`` differ from the true gradients on ``layer``, or None."""
    rng = np.random.default_rng(seed)
    m = tuple(f.output_length(*a) for a in zip(layer.n, layer.k, layer.s, layer.d,
                                               *zip(*layer.pads)))
    x = rng.integers(-5, 6, (layer.batch, layer.cin, *layer.n))
    w = rng.integers(-5, 6, (layer.cout, layer.cin // layer.groups, *layer.k))
    g = rng.integers(-5, 6, (layer.batch, layer.cout, *m))
    truth = true_gradients(layer, f, x, w, g)
    try:
        closed = closed_forms(layer, f, x, w, g)
    except ValueError as err:
        return f"closed form is ill-formed: {err}"
    for name, want, got in zip(("dX", "dW", "db"), truth, closed):
        if got.shape != want.shape:
            return f"{name}: shape {got.shape} instead of {want.shape}"
        if not np.array_equal(got, want):
            return f"{name}: values differ"
    return None


def small_geometries(f: Formulas):
    """Per-axis ``(n, k, s, d, lo, hi)`` with n <= 8, k <= 3, s <= 3, d <= 2, p <= 2 that fit,
    smallest first (by the sum, then lexicographically)."""
    found = [(n, k, s, d, lo, hi) for n, k, s, d, lo, hi in
             product(range(1, 9), range(1, 4), range(1, 4), range(1, 3), range(3), range(3))
             if f.effective_kernel(k, d) <= n + lo + hi]
    return sorted(found, key=lambda geo: (sum(geo), geo))


def smallest_counterexample(f: Formulas, rank: int = 1) -> dict | None:
    """The smallest small layer (same geometry on every axis, one channel) where ``f`` fails."""
    for n, k, s, d, lo, hi in small_geometries(f):
        one = Layer((n,), (k,), (s,), (d,), ((lo, hi),))
        if breaks(one, f) is None:
            continue
        layer = Layer((n,) * rank, (k,) * rank, (s,) * rank, (d,) * rank, ((lo, hi),) * rank)
        if breaks(layer, f) is not None:
            return layer.options()
    return None
