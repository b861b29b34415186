"""A Winograd F(2x2, 3x3) backward in NumPy, timed against the generated module: the
measurement behind "not kept" in benchmarks/results/codegen.txt (runs 10-13).

Usage: python benchmarks/bench_winograd.py [LAYER] [--dtype float64] [--rounds 5] [--images 1]

LAYER is a stride-1, 3x3, padding-1, one-group 2-d layer of bench_codegen (resnet, c128,
c64-16; default resnet). The prototype is checked against the generated module first, then
both are timed in turns (one block of calls each per round, after one untimed call), and the
script prints the median of each side and the time of each of the prototype's steps.

The 1-d minimal filtering algorithm F(2, 3), for two outputs of a 3-tap correlation
y[t] = sum_i d[t + i] g[i] from a tile d of 4 inputs:

    y = A^T [(G g) * (B^T d)]     B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
                                  G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
                                  A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]

(4 multiplies instead of 6), nested over both axes for 2x2 outputs of a 4x4 tile (16 instead
of 36). dX is the correlation of dy, padded by 1, with rot180(w) (channels swapped): per tile,
16 multiplies (C_in x C_out) @ (C_out x tiles) between B^T d B of dy's tiles and G f G^T of
the kernel, then A^T M A. dW[o, c, i, j] = sum dy[o, y, x] Xp[c, y + i, x + j] is the same
bilinear form transposed: h^T y = g^T G^T [(A h) * (B^T d)] for any h, so the 3 taps of the
gradient from a 4-tile d of x and a 2-tile h of dy are G^T [(A h) * (B^T d)], and in 2-d
dW = G^T [sum over tiles of (A h A^T) * (B^T d B)] G: 16 multiplies (C_out x tiles) @ (tiles x
C_in) summed over the images.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_codegen import LAYERS, generated_module, problem  # noqa: E402

G_MATRIX = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])


def _taps(array, axis, tiles):
    """The 4 views array[..., 2t + k, ...] (t < tiles) along ``axis``, k = 0..3."""
    views = []
    for k in range(4):
        index = [slice(None)] * array.ndim
        index[axis] = slice(k, k + 2 * tiles - 1, 2)
        views.append(array[tuple(index)])
    return views


def _input_transform(padded, rows, columns, middle, out):
    """out[a, b, c, n, t, u] = (B^T d B)[a, b] for the 4x4 tile d of ``padded (C, n, H, W)``
    at rows 2t.., columns 2u..: B^T along the rows into ``middle``, then along the columns."""
    d0, d1, d2, d3 = _taps(padded, 2, rows)
    np.subtract(d0, d2, out=middle[0])
    np.add(d1, d2, out=middle[1])
    np.subtract(d2, d1, out=middle[2])
    np.subtract(d1, d3, out=middle[3])
    e0, e1, e2, e3 = _taps(middle, 4, columns)
    np.subtract(e0, e2, out=out[:, 0])
    np.add(e1, e2, out=out[:, 1])
    np.subtract(e2, e1, out=out[:, 2])
    np.subtract(e1, e3, out=out[:, 3])


def backward(dy, x, w, images, clock):
    """dx and dW of a stride-1, padding-1, 3x3 convolution, ``images`` images per chunk;
    ``clock[step]`` collects each step's seconds."""
    batch, out_channels, height, width = dy.shape
    in_channels, dtype = x.shape[1], x.dtype
    rows, columns = (height + 1) // 2, (width + 1) // 2
    g = G_MATRIX.astype(dtype)
    flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # f[c, o] = rot180(w[o, c])
    kernel = np.einsum("ai,coij,bj->abco", g, flipped, g).reshape(16, in_channels, out_channels)
    grid = (2 * rows + 2, 2 * columns + 2)
    dy_padded = np.zeros((out_channels, images, *grid), dtype)
    x_padded = np.zeros((in_channels, images, *grid), dtype)
    middle = np.empty((4, max(in_channels, out_channels), images, rows, grid[1]), dtype)
    dy_tiles = np.empty((4, 4, out_channels, images, rows, columns), dtype)
    x_tiles = np.empty((4, 4, in_channels, images, rows, columns), dtype)
    dy_pairs = np.empty((4, 4, out_channels, images, rows, columns), dtype)
    dy_rows = np.empty((4, out_channels, images, rows, 2 * columns), dtype)
    products = np.empty((16, in_channels, images * rows * columns), dtype)
    halves = np.empty((2, 4, in_channels, images, rows, columns), dtype)
    weight_sum = np.zeros((16, out_channels, in_channels), dtype)
    weight_part = np.empty_like(weight_sum)
    dx = np.empty(x.shape, dtype)

    def timed(step, start):
        now = time.perf_counter()
        clock[step] += now - start
        return now

    for first in range(0, batch, images):
        count = min(images, batch - first)
        start = time.perf_counter()
        inside = (slice(None), slice(0, count), slice(1, height + 1), slice(1, width + 1))
        dy_padded[inside] = dy[first:first + count].transpose(1, 0, 2, 3)
        x_padded[inside] = x[first:first + count].transpose(1, 0, 2, 3)
        start = timed("pad", start)
        # dX: B^T d B of dy's tiles, 16 multiplies, then A^T M A (2x2 outputs per tile)
        _input_transform(dy_padded, rows, columns, middle[:, :out_channels], dy_tiles)
        start = timed("dy 4x4 tiles", start)
        np.matmul(kernel, dy_tiles.reshape(16, out_channels, -1), out=products)
        start = timed("dX multiplies", start)
        m = products.reshape(4, 4, in_channels, images, rows, columns)
        np.add(m[0], m[1], out=halves[0])
        halves[0] += m[2]
        np.subtract(m[1], m[2], out=halves[1])
        halves[1] -= m[3]
        target = dx[first:first + count].transpose(1, 0, 2, 3)
        for a in range(2):
            q = halves[a][:, :, :count]
            r = (height - a + 1) // 2
            for b, (left, right) in enumerate(((q[0] + q[1], q[2]), (q[1] - q[2], q[3]))):
                c = (width - b + 1) // 2
                out = target[:, :, a::2, b::2]
                if b == 0:
                    np.add(left[:, :, :r, :c], right[:, :, :r, :c], out=out)
                else:
                    np.subtract(left[:, :, :r, :c], right[:, :, :r, :c], out=out)
        start = timed("dX 2x2 outputs", start)
        # dW: B^T d B of x's tiles, A h A^T of dy's 2x2 tiles, 16 multiplies summed over images
        _input_transform(x_padded, rows, columns, middle[:, :in_channels], x_tiles)
        start = timed("x 4x4 tiles", start)
        inner = dy_padded[:, :, 1:2 * rows + 1, 1:2 * columns + 1]
        h0, h1 = inner[:, :, 0::2], inner[:, :, 1::2]  # A h = [h0, h0 + h1, h0 - h1, -h1]
        dy_rows[0] = h0
        np.add(h0, h1, out=dy_rows[1])
        np.subtract(h0, h1, out=dy_rows[2])
        np.negative(h1, out=dy_rows[3])
        k0, k1 = dy_rows[..., 0::2], dy_rows[..., 1::2]
        dy_pairs[:, 0] = k0
        np.add(k0, k1, out=dy_pairs[:, 1])
        np.subtract(k0, k1, out=dy_pairs[:, 2])
        np.negative(k1, out=dy_pairs[:, 3])
        start = timed("dy 2x2 tiles", start)
        np.matmul(dy_pairs.reshape(16, out_channels, -1),
                  x_tiles.reshape(16, in_channels, -1).transpose(0, 2, 1), out=weight_part)
        weight_sum += weight_part
        timed("dW multiplies", start)
    dw = np.einsum("ai,abop,bj->opij", g, weight_sum.reshape(4, 4, out_channels, in_channels), g)
    return dx, dw


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("layer", nargs="?", default="resnet")
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--images", type=int, default=1)
    args = parser.parse_args()
    layer = LAYERS[args.layer]
    n, cin, spatial, cout, k, s, p, d, g = layer
    if (len(spatial), k, s, p, d, g) != (2, 3, 1, 1, 1, 1):
        sys.exit("bench_winograd.py: LAYER must be 2-d, 3x3, stride 1, padding 1, one group")
    x, w, _, dy = problem(layer, np.dtype(args.dtype))
    with tempfile.TemporaryDirectory() as directory:
        module = generated_module(layer, directory)
    dx, dw, _ = module.backward(dy, x, w)
    clock = defaultdict(float)
    ours_dx, ours_dw = backward(dy, x, w, args.images, clock)
    for name, ours, theirs in (("dx", ours_dx, dx), ("dw", ours_dw, dw)):
        error = np.abs(ours - theirs).max() / np.abs(theirs).max()
        print(f"{name}: largest difference from the module {error:.1e} of its largest entry")
        assert error < (1e-10 if x.dtype == np.float64 else 1e-4), name
    module_times, winograd_times = [], []
    clock.clear()
    for _ in range(args.rounds):
        for times, call in ((module_times, lambda: module.backward(dy, x, w)),
                            (winograd_times, lambda: backward(dy, x, w, args.images, clock))):
            call()
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
    # the clock saw two calls per round (the untimed one and the timed one)
    print(f"{args.layer} {args.dtype}: module {statistics.median(module_times) * 1e3:.1f} ms, "
          f"Winograd F(2x2, 3x3) {statistics.median(winograd_times) * 1e3:.1f} ms "
          f"(medians of {args.rounds} rounds, {args.images} image(s) per chunk)")
    for step, seconds in clock.items():
        print(f"  {step:16s} {seconds / (2 * args.rounds) * 1e3:7.1f} ms per call")


if __name__ == "__main__":
    main()
