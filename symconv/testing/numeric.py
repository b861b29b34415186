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

NUMERIC_LAYERS = ("conv", "linear", "relu", "softmax-ce")


class Numeric:
    """A layer's derived gradients at points, evaluated exactly without expansion."""

    symbolic = False
    rational = False

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
        return {"Z": (spec.batch, spec.classes), "Y": (spec.batch, spec.classes)}

    @property
    def how(self) -> str:
        """How the sums are evaluated, for the method text."""
        return {"conv": "int64, kernel tap by tap", "linear": "int64 products G W, G^T X",
                "relu": "G [X > 0] in int64",
                "softmax-ce": "50-digit arithmetic"}[self.name]

    @property
    def degree(self) -> int:
        """Largest number of drawn values multiplied in one term (ReLU: G times a mask)."""
        return 1 if self.name == "relu" else 2

    @property
    def weight(self) -> int:
        """Largest number of terms in one entry of a gradient (every coefficient is 1)."""
        spec = self.spec
        if self.name == "conv":
            taps = prod(spec.window.kernel)
            return max(spec.group_out * taps, spec.batch * prod(spec.window.output))
        if self.name == "linear":
            return max(spec.out_features, spec.batch)
        return 1

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
