"""The derived gradients evaluated exactly at a point without expanding their terms.

For instances too large to expand symbolically (a 64x64, 16 -> 16 channel convolution has
9.4 million terms in dW alone), each derived gradient is evaluated at an integer point as
the sum it is — the chain rule of ``<G, O>`` through the forward's definition — in int64
arithmetic, one kernel tap at a time:

- conv: ``dX[u] = sum_{i,j : s i + d j = u + p_lo} G[i] W[j]`` (over the output channels of
  u's group), ``dW[j] = sum_i G[i] Xp[s i + d j]``, ``db = sum of G`` — the index forms the
  proof establishes on the instance and ``prove --all-sizes`` for every size;
- linear: ``dX = G W``, ``dW = G^T X``, ``db = sum_rows G``;
- ReLU: ``dX = G [X > 0]``;
- max pooling: ``dX[u] = sum of G[i] over the windows i whose first maximum (in scan order)
  is u`` (distinct inputs: one maximum per window);
- average pooling: ``dX[u] = sum of G[i] / q_i over the windows i that read u``, summed over
  a common denominator in integers and divided once (one rounding; the tolerance is the
  symbolic engine's, 8 (terms + 2) eps (sum of |term|));
- softmax-ce: ``dZ = (softmax(Z) - Y) / N`` in 50-digit arithmetic (see
  :mod:`symconv.testing.softmax`).

Every sum is of integers whose absolute values add up to less than 2**50 (the value range
is chosen so, as for the symbolic engine), so int64 is exact and so is its float64 copy.
The evaluation is independent of the generated code (no im2col, no col2im, no transposed
convolution) and is tested against the expanded symbolic polynomials on the sweep.
"""

from __future__ import annotations

from math import prod

import numpy as np

from symconv.testing.derived import EXACT_LIMIT, MAX_VALUE

NUMERIC_LAYERS = ("conv", "linear", "relu", "maxpool", "avgpool", "softmax-ce")
POOLING = ("maxpool", "avgpool")


class Numeric:
    """A layer's derived gradients at points, evaluated exactly without expansion."""

    symbolic = False

    def __init__(self, layer, spec):
        self.layer, self.spec = layer, spec
        self.name = layer.name
        if self.name not in NUMERIC_LAYERS:
            raise ValueError(f"no exact numeric evaluation for --layer {self.name}")

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The arrays a point draws: the inputs and the upstream gradient ``G``."""
        spec = self.spec
        if self.name == "conv":
            return {"X": spec.input_shape, "W": spec.weight_shape,
                    "b": (spec.out_channels,), "G": spec.output_shape}
        if self.name == "linear":
            return {"X": (spec.batch, spec.in_features),
                    "W": (spec.out_features, spec.in_features), "b": (spec.out_features,),
                    "G": (spec.batch, spec.out_features)}
        if self.name == "relu":
            return {"X": spec.shape, "G": spec.shape}
        if self.name in POOLING:
            return {"X": spec.input_shape, "G": spec.output_shape}
        return {"Z": (spec.batch, spec.classes), "Y": (spec.batch, spec.classes)}

    @property
    def how(self) -> str:
        """How the sums are evaluated, for the method text."""
        return {"conv": "int64, kernel tap by tap", "linear": "int64 products G W, G^T X",
                "relu": "G [X > 0] in int64", "maxpool": "int64, window tap by tap",
                "avgpool": "int64 over a common denominator, window tap by tap",
                "softmax-ce": "50-digit arithmetic"}[self.name]

    @property
    def rational(self) -> bool:
        return self.name == "avgpool"

    @property
    def degree(self) -> int:
        """Largest number of drawn values multiplied in one term (ReLU: G times a mask)."""
        return 1 if self.name in ("relu", *POOLING) else 2

    @property
    def weight(self) -> int:
        """Largest number of terms in one entry of a gradient (every coefficient is 1)."""
        spec = self.spec
        if self.name == "conv":
            taps = prod(spec.window.kernel)
            return max(spec.group_out * taps, spec.batch * prod(spec.window.output))
        if self.name == "linear":
            return max(spec.out_features, spec.batch)
        if self.name in POOLING:
            return int(self.readers().max())
        return 1

    def readers(self) -> np.ndarray:
        """How many windows read each input entry (shaped like X)."""
        window = self.spec.window
        counts = np.zeros([n + lo + hi for n, (lo, hi) in zip(window.input, window.padding)],
                          dtype=np.int64)
        for tap in np.ndindex(*window.kernel):
            counts[tap_slices(window, tap)] += 1
        inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(window.padding, window.input))
        return np.broadcast_to(counts[inner], self.spec.input_shape)

    def value_limit(self) -> int:
        """``R`` with ``weight * R**degree < 2**50``: every sum below is exact."""
        fit = int((EXACT_LIMIT / self.weight) ** (1 / self.degree))
        return max(2, min(MAX_VALUE, fit))

    def expect(self, arrays: dict[str, np.ndarray]) -> dict:
        """``{gradient: (value, tolerance 0)}`` at the point ``arrays`` (exact integers)."""
        if self.name == "softmax-ce":
            from symconv.testing.softmax import closed_form
            return {"Z": closed_form(arrays["Z"], arrays["Y"])}
        exact = {name: np.asarray(value).astype(np.int64) for name, value in arrays.items()
                 if name != "y"}
        if self.name == "conv":
            values = conv_gradients(self.spec, exact["G"], exact["X"], exact["W"])
        elif self.name == "maxpool":
            values = {"X": maxpool_gradient(self.spec.window, exact["G"], arrays["X"])}
        elif self.name == "avgpool":
            return {"X": avgpool_gradient(self.spec, exact["G"])}
        elif self.name == "linear":
            g, x, w = exact["G"], exact["X"], exact["W"]
            values = {"X": g @ w, "W": g.T @ x, "b": g.sum(axis=0)}
        else:
            values = {"X": exact["G"] * (exact["X"] > 0)}
        return {name: (value.astype(float), np.zeros(value.shape))
                for name, value in values.items()}


def tap_slices(window, tap: tuple[int, ...]) -> tuple[slice, ...]:
    """The entries of the padded input read by kernel tap ``j``: ``s i + d j`` for every
    output position ``i`` (per axis, start ``d j``, step ``s``, ``m`` entries)."""
    return tuple(slice(d * j, d * j + s * (m - 1) + 1, s)
                 for j, s, d, m in zip(tap, window.stride, window.dilation, window.output))


def conv_gradients(spec, g: np.ndarray, x: np.ndarray, w: np.ndarray) -> dict:
    """dX, dW, db of a convolution at integer arrays, tap by tap (int64, exact)."""
    window, groups = spec.window, spec.groups
    n, rank = x.shape[0], window.rank
    positions = prod(window.output)
    xp = np.pad(x, [(0, 0), (0, 0), *window.padding])
    dxp = np.zeros_like(xp)
    # G as (N, groups, C_out/g, positions), W as (groups, C_out/g, C_in/g, taps)
    gg = g.reshape(n, groups, spec.group_out, positions)
    wg = w.reshape(groups, spec.group_out, spec.group_in, -1)
    dw = np.zeros_like(wg)
    every = (slice(None), slice(None))
    for number, tap in enumerate(np.ndindex(*window.kernel)):
        where = every + tap_slices(window, tap)
        read = xp[where].reshape(n, groups, spec.group_in, positions)
        # dX: each output position i sends G[i] W[j] back to the entry it read, s i + d j
        sent = np.einsum("ngop,goc->ngcp", gg, wg[..., number])
        dxp[where] += sent.reshape(n, spec.in_channels, *window.output)
        # dW[j] = sum over batch and positions of G[i] Xp[s i + d j]
        dw[..., number] = np.einsum("ngop,ngcp->goc", gg, read)
    crop = every + tuple(slice(lo, lo + size) for (lo, _), size
                         in zip(window.padding, window.input))
    return {"X": dxp[crop], "W": dw.reshape(w.shape),
            "b": g.sum(axis=(0, *range(2, 2 + rank)))}


def padded_slices(window) -> tuple[tuple, tuple[slice, ...]]:
    """The pads of a pooled array and the slice of its inner (unpadded) part."""
    pads = [(0, 0), (0, 0), *window.padding]
    inner = (slice(None), slice(None)) + tuple(slice(lo, lo + n) for (lo, _), n
                                               in zip(window.padding, window.input))
    return pads, inner


def maxpool_gradient(window, g: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dX of max pooling: each window's G goes to its first maximum (padding is -inf)."""
    pads, inner = padded_slices(window)
    xp = np.pad(np.asarray(x, dtype=float), pads, constant_values=-np.inf)
    every = (slice(None), slice(None))
    taps = list(np.ndindex(*window.kernel))
    best = np.full(g.shape, -np.inf)
    winner = np.zeros(g.shape, dtype=np.int64)
    for number, tap in enumerate(taps):
        read = xp[every + tap_slices(window, tap)]
        better = read > best           # strictly: ties keep the earlier tap
        best = np.where(better, read, best)
        winner = np.where(better, number, winner)
    dxp = np.zeros(xp.shape, dtype=np.int64)
    for number, tap in enumerate(taps):
        # one tap reads distinct entries for distinct windows: no collisions within a tap
        dxp[every + tap_slices(window, tap)] += g * (winner == number)
    return dxp[inner]


def avgpool_gradient(spec, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dX of average pooling and its tolerance: ``sum G_i / q_i`` over a common denominator
    ``L`` (integers: exact), divided by ``L`` once."""
    window = spec.window
    pads, inner = padded_slices(window)
    every = (slice(None), slice(None))
    if spec.count_include_pad:
        q = np.full(window.output, prod(window.kernel), dtype=np.int64)
    else:
        real = np.pad(np.ones(window.input, dtype=np.int64), window.padding)
        q = sum(real[tap_slices(window, tap)] for tap in np.ndindex(*window.kernel))
    common = int(np.lcm.reduce(np.unique(q)))
    exact = int(np.abs(g).max(initial=0)) * common * prod(window.kernel) >= 2 ** 62
    shares = (g.astype(object) if exact else g) * (common // q)
    numerator = np.zeros([n + lo + hi for n, (lo, hi) in zip(g.shape[:2] + window.input,
                                                              pads)],
                         dtype=object if exact else np.int64)
    absolute = np.zeros(numerator.shape, dtype=numerator.dtype)
    terms = np.zeros(numerator.shape, dtype=np.int64)
    for tap in np.ndindex(*window.kernel):
        where = every + tap_slices(window, tap)
        numerator[where] += shares
        absolute[where] += abs(shares)
        terms[where] += 1
    value = (numerator[inner] / common).astype(float)
    size = (absolute[inner] / common).astype(float)
    return value, 8 * (terms[inner] + 2) * 2.0 ** -52 * size
