"""The values of the convolution NumPy module (``conv.py.jinja``) and its proof instance."""

from __future__ import annotations

from dataclasses import replace
from math import prod

from symconv.algebra.geometry import WindowSpec, axes_text
from symconv.engine.pipeline import Derivation
from symconv.layers.conv.spec import ConvSpec
from symconv.render.module import SPATIAL_NAMES

PROOF_TERMS = 100_000
"""Above this many forward products the proof runs on fewer channels (same geometry)."""


def _columns(spec: ConvSpec) -> int:
    """The columns of x per group in im2col: C_in/g * taps."""
    return spec.group_in * prod(spec.window.kernel)


def _padded(window: WindowSpec) -> tuple[int, ...]:
    """The padded input length n' = n + p_lo + p_hi per axis."""
    return tuple(n + lo + hi for n, (lo, hi) in zip(window.input, window.padding))


def input_gradient_strategy(spec: ConvSpec) -> str:
    """How the generated code computes dX.

    ``"transposed"`` (one im2col of the padded dy and one multiply) wins only when the
    stride is 1 — nothing to scatter — and C_in >= C_out; otherwise ``"col2im"``: the
    adjoint of the forward's im2col, a multiply followed by one strided add per tap.

    >>> from symconv.algebra.geometry import WindowSpec
    >>> window = WindowSpec((8, 8), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1))
    >>> [input_gradient_strategy(ConvSpec(window, cin, cout)) for cin, cout in ((8, 4), (4, 8))]
    ['transposed', 'col2im']
    """
    if all(s == 1 for s in spec.window.stride) and spec.in_channels >= spec.out_channels:
        return "transposed"
    return "col2im"


SHIFT_DW_COLUMNS = 64
"""The shift strategy builds x's columns for dW when C_in/g * taps is at most this, ..."""

SHIFT_OUT_RATIO = 2
"""... or when C_out/g is at least this many times C_in/g: the stack copies taps * C_out/g rows
per grid column, x's columns taps * C_in/g (and the product as many). The stack's time over
the columns method's (``bench_strategies.py N,C_in,SPATIAL,C_out,k,s,p,d,groups --set
SHIFT_OUT_RATIO=inf``; float64 / float32, OpenBLAS 0.3.31 on a Zen 2): C_in -> C_out 8 -> 32
on 32^2, k3 p1, 1.59x / 1.37x; 16 -> 64 on 16^2 1.44x / 1.36x; 16 -> 32 on 32^2 1.24x /
1.07x; 8 -> 16 on 32^2 1.15x / 1.00x, on 28^2 k5 p2 1.18x / 1.16x, on the 3-d (4, 8, 16^3,
16) 0.91-1.08x / 0.96-1.07x over three runs (two identical modules measure 0.96x / 1.01x
there: within the noise); 32 -> 64 on 16^2 1.07x / 0.99x; 64 -> 128 on 16^2 1.08x / 1.02x,
on 1-d (16, 64, 1000, 128, k5 p2) 1.07x / 1.01x. With as many output channels as input
channels the stack is faster: 0.83x / 0.78x on 8 -> 8 (32^2), 0.94x / 0.86x on 16 -> 16
(16^2) (``--set SHIFT_DW_COLUMNS=200``: B the columns method). Which layers take the shift
strategy at all does not depend on it (:func:`shift_suits`)."""


def shift_method(spec: ConvSpec) -> str:
    """How the shift strategy computes dW and dX: ``"columns"`` for few columns per group,
    or many more output channels than input channels (:data:`SHIFT_OUT_RATIO`)
    (dW from x's columns on the flat grid, one strided copy of all taps' views, then one
    multiply; dX by one multiply by all taps at once, then one sum over a strided view that
    reads each tap's rows at its offset), else
    ``"stack"`` (per block of grid columns, dy's shifted views copied into one stack of
    taps * C_out/g rows that stays in the cache, then one multiply for dX and one for dW).

    The stack replaced one multiply per tap on shifted views (no copies) for both, dX then
    adding each tap's product (the modules of commit 53ede3d). The two generated modules
    timed in turns (OpenBLAS 0.3.31, 2 threads, the backward, median over 6-10 rounds): the
    stack took 0.87x (float64) and 0.86x (float32) of that time on (64, 64, 16^2, 64),
    0.90x and 0.84x on ResNet (32, 64, 56^2, 64), 0.98x and 0.92x on 1-d (16, 64, 1000, 64,
    k5 p2): the dX multiply is C_out * k^d deep instead of C_out, and dW's multiplies read the
    stack and x's block from the cache instead of the whole grids from memory.

    >>> from symconv.algebra.geometry import WindowSpec
    >>> line = WindowSpec((1000,), (5,), (1,), ((2, 2),), (1,))
    >>> [shift_method(ConvSpec(line, cin, 64)) for cin in (3, 64, 32)]
    ['columns', 'stack', 'columns']
    """
    if (_columns(spec) <= SHIFT_DW_COLUMNS
            or spec.group_out >= SHIFT_OUT_RATIO * spec.group_in):
        return "columns"
    return "stack"


SHIFT_RANK = 1
"""The shift strategy is chosen for at most this many spatial axes, ..."""

SHIFT_ROW = 24
"""... or for outputs at most this long on the last axis (short rows make im2col's copies
slow: about 1 ns per entry in rows of 16), ..."""

SHIFT_CHANNELS = 8
"""... at least this many input channels per group (dX's multiply has C_in/g rows: the stack
took 2.49x / 2.21x im2col's time, float64 / float32, on (32, 3, 32^2, 16, k5 p2)), whatever
the output channels (it took 0.51x / 0.41x on (32, 16, 32^2, 4, k3 p1), 0.31x / 0.26x on
(32, 16, 32^2, 1, k3 p1), 0.30x / 0.28x on (16, 64, 16^2, 2, k3 p1):
``bench_strategies.py N,C_in,SPATIAL,C_out,k,s,p,d,groups --set SHIFT_CHANNELS=1``), ..."""

SHIFT_GRID = 2.0
"""... and at most this many grid positions per output position (per image). Small layers
gain most from the shift strategy even on grids much larger than their output: im2col's
time over the shift strategy's (``bench_strategies.py N,C_in,SPATIAL,C_out,k,s,p,d,groups
--set SHIFT_GRID=...``, float64 / float32) 1.50x / 2.15x on (32, 8, 4^2, 16, k3 p1), grid
1.56x its output; 1.46x / 1.79x on (32, 4, 8^2, 8, k3), 1.36x / 1.98x on (32, 32, 8^2, 32,
k3), 1.15x / 1.42x on (32, 16, 16^2, 16, k5), grids 1.78x; at 2.25x, (16, 64, 12^2, 64,
k5), 0.96x / 1.40x. (The limit was 1.5, unmeasured, from the strategy's first version.)"""

SHIFT_STACK_GRID = 1.8
"""... or, with wide channels, for any rank and row length when the grid has at most this
many positions per output position. im2col's time over the stack's (``bench_strategies.py
N,C_in,SPATIAL,C_out,k,s,p,d,groups --set SHIFT_STACK_GRID=1.2``, float64 / float32): 1.29x /
1.34x on (16, 32, 32^2, 32, k5), grid 1.31x its output; 1.29x / 1.40x on (8, 32, 40^2, 32,
k7), 1.38x; 1.05x / 1.16x on (16, 64, 32^2, 64, k7), 1.51x; long rows and valid windows:
1.39x / 1.75x on (16, 16, 32^2, 16, k7), grid 1.51x; 1.20x / 1.47x on (16, 32, 40^2, 32,
k9), 1.56x; 1.40x / 1.82x on (16, 16, 40^2, 16, k11), 1.78x; 1.03x / 1.25x on (16, 32,
64^2, 32, k13), 1.51x. (It was 1.3 when the grid was n + lo + hi per axis, then 1.5.)"""


def grid_gaps(window: WindowSpec) -> tuple[int, ...]:
    """Zeros after each row (plane, image) of the shift and planes strategies' grid, per axis:
    max(lo, hi), one run serving as a row's hi padding and the next row's lo padding, where
    dy placed at d(k-1) still fits the row (min(lo, hi) <= d(k-1)); lo + hi otherwise. Baked
    into the module as ``GRID_GAPS`` (its ``_grid_shape``)."""
    return tuple(max(lo, hi) if min(lo, hi) <= d * (k - 1) else lo + hi
                 for (lo, hi), k, d in zip(window.padding, window.kernel, window.dilation))


def _shift_grid(window: WindowSpec) -> tuple[int, ...]:
    """The shift strategy's grid per image: n + :func:`grid_gaps` per axis."""
    return tuple(n + gap for n, gap in zip(window.input, grid_gaps(window)))


def _grid_ratio(spec: ConvSpec) -> float:
    """Grid positions per output position, per image, on the grid the backward computes
    (:func:`_shift_grid`). The limits below were measured when that grid was n + lo + hi per
    axis; with the rows sharing their zeros the backward took 0.85-0.95x the time on the
    16^2, 28^2 and 3-d layers (``bench_strategies.py LAYER --against 99e1707``), and two 5x5
    layers that the smaller ratio now takes to the stack measured no slower there than on
    im2col: (32, 64, 16^2, 64, k5 p2), grid 1.27x its output, 0.94-1.06x (float64) and
    0.78-0.96x (float32) im2col's time over four runs (``bench_strategies.py
    32,64,16x16,64,5,1,2,1,1 --set SHIFT_GRID=2 --set SHIFT_STACK_GRID=2``); (32, 128,
    28^2, 128, k5 p2), grid 1.15x, 1.02-1.06x / 0.97-1.02x (``32,128,28x28,128,5,1,2,1,1
    --set SHIFT_STACK_GRID=2``). Small padded images gain most: on (32, 4, 8^2, 8, k3 p1),
    grid 1.27x (1.56x before), col2im took 1.73x / 2.20x the shift strategy's time
    (``32,4,8x8,8,3,1,1,1,1 --set SHIFT_GRID=1.2``)."""
    return prod(_shift_grid(spec.window)) / prod(spec.window.output)


def shift_suits(spec: ConvSpec) -> bool:
    """Whether the "shift" backward suits ``spec``: stride 1, a padded grid at most
    :data:`SHIFT_GRID` times the output (every grid position is computed), and either few
    input columns per group (C_in/g * taps at most :data:`SHIFT_DW_COLUMNS`: dW from x's
    columns on the grid) or at least :data:`SHIFT_CHANNELS` input channels per group
    (dW and dX from the stack of dy's shifted views, or from x's columns with many more
    output channels: :func:`shift_method`) with at most :data:`SHIFT_RANK` spatial axes,
    output rows at most :data:`SHIFT_ROW` long, or a grid at most :data:`SHIFT_STACK_GRID`
    times the output.

    Measured with ``benchmarks/bench_strategies.py`` (OpenBLAS 0.3.31, 2 threads, the
    backward; im2col's time over the stack's, median per-round ratio over 11-15 interleaved
    rounds, float64 / float32): ResNet (32, 64, 56^2, 64) 1.24 / 1.32 (``resnet --set
    SHIFT_STACK_GRID=0``); 1-d (16, 64, 1000, 64, k5 p2) 1.26 / 1.35; (64, 64, 16^2, 64)
    1.13 / 1.29; the 3-d (4, 8, 16^3, 16) 1.02 / 1.21 (``3d --set SHIFT_CHANNELS=8``, run
    while the default was 16). Those ran with 2 MiB stacks per block; with 2 MiB, the 28^2 x
    128 layer (grid 1.15x its output; 1,152 stack rows, only 227 columns wide in float64)
    took 1.21x / 1.01x im2col's time. With 8 MiB stacks (``STACK_BLOCK_BYTES`` in the
    module; on a machine with 2 MiB of L2 per core and a 300 MiB L3), im2col takes 1.07x /
    1.24x the stack's time there (``c128 --set SHIFT_STACK_GRID=1.1``), and 1.44x / 1.43x on
    the dilated (8, 8, 32^2, 8, k3 p2 d2), grid 1.27x its output (``dilated --set
    SHIFT_STACK_GRID=1.2``). Earlier, against im2col: few input columns (8, 1, 28^2, 8, k5)
    0.80x in both dtypes, (32, 3, 32^2, 16, k3 p1) 0.78x-0.86x.
    The forward pass runs on the same grid for few output channels and short rows
    (:func:`grid_forward`), on im2col elsewhere.

    >>> from symconv.algebra.geometry import WindowSpec
    >>> line = WindowSpec((1000,), (5,), (1,), ((2, 2),), (1,))
    >>> square = WindowSpec((56, 56), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1))
    >>> [shift_suits(ConvSpec(line, cin, cout)) for cin, cout in ((3, 64), (64, 64), (32, 4))]
    [True, True, True]
    >>> five = replace(square, kernel=(5, 5), padding=((2, 2), (2, 2)))
    >>> [shift_suits(ConvSpec(five, cin, 16)) for cin in (2, 3, 8)]  # 50, 75, 200 columns
    [True, False, True]
    >>> [shift_suits(ConvSpec(square, cin, 64)) for cin in (3, 64)]
    [True, True]
    >>> shift_suits(ConvSpec(replace(square, input=(28, 28)), 128, 128))
    True
    >>> wide_kernel = replace(square, input=(28, 28), kernel=(5, 5), padding=((2, 2), (2, 2)))
    >>> shift_suits(ConvSpec(wide_kernel, 128, 128))  # grid 1.15x the output (30^2 / 28^2)
    True
    >>> shift_suits(ConvSpec(replace(square, input=(16, 16)), 64, 64))
    True
    """
    w = spec.window
    if any(s != 1 for s in w.stride) or _grid_ratio(spec) > SHIFT_GRID:
        return False
    if _columns(spec) <= SHIFT_DW_COLUMNS:
        return True
    return ((w.rank <= SHIFT_RANK or w.output[-1] <= SHIFT_ROW
             or _grid_ratio(spec) <= SHIFT_STACK_GRID)
            and spec.group_in >= SHIFT_CHANNELS)


SHIFT_FORWARD_CHANNELS = 16
"""The most output channels per group for the shift strategy's forward on x's grid
(:func:`grid_forward`)."""

SHIFT_FORWARD_ROW = 24
"""The longest output rows (last axis) for the shift strategy's forward on x's grid
(:func:`grid_forward`)."""


def grid_forward(spec: ConvSpec) -> bool:
    """Whether the shift strategy's forward runs on x's grid too (a stack of x's shifted views
    per block of grid columns, one multiply per block) rather than on im2col: at most
    :data:`SHIFT_FORWARD_CHANNELS` output channels per group and output rows at most
    :data:`SHIFT_FORWARD_ROW` long, where im2col's copies (of short rows) outweigh its
    multiplies (of few rows).

    im2col's forward time over the grid's (``benchmarks/bench_strategies.py LAYER --pass
    forward --set SHIFT_FORWARD_CHANNELS=0``, 21 rounds in turns, OpenBLAS 0.3.31 on a Zen 4,
    2 threads, float64 / float32): the 3-d (4, 8, 16^3, 16) 1.38 / 1.71, (8, 1, 28^2, 8, k5)
    1.32 / 1.81. With the grid forward on every shift layer (benchmarks/results/codegen.txt,
    2026-12-03): (8, 8, 32^2, 8, k3 p2 d2) 1.00 / 1.14, (32, 3, 32^2, 16, k3 p1) 1.01 / 0.88
    and 0.94 / 0.88, the 1-d (16, 64, 1000, 64, k5 p2) 1.07 / 0.82 and 1.04 / 1.18, (64, 64,
    16^2, 64) 0.78 / 1.02 and 0.82 / 1.10, ResNet (32, 64, 56^2, 64) 0.87 / 1.00: the wider
    layers' multiplies lose more in the grid's blocks than their copies gain.

    >>> from symconv.algebra.geometry import WindowSpec
    >>> cube = WindowSpec((16, 16, 16), (3, 3, 3), (1, 1, 1), ((1, 1),) * 3, (1, 1, 1))
    >>> square = WindowSpec((56, 56), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1))
    >>> [grid_forward(ConvSpec(cube, 8, cout)) for cout in (16, 32)]
    [True, False]
    >>> grid_forward(ConvSpec(square, 64, 16))  # output rows of 56
    False
    """
    return (conv_strategy(spec) == "shift" and spec.group_out <= SHIFT_FORWARD_CHANNELS
            and spec.window.output[-1] <= SHIFT_FORWARD_ROW)


PHASES_GRID = 2.0
"""The phases strategy is chosen when a phase grid has at most this many positions per
output position (every grid position is computed). col2im's time over the phases
strategy's (``bench_strategies.py N,C_in,SPATIAL,C_out,k,s,p,d,groups --set
PHASES_GRID=3``, float64 / float32): 1.19x / 1.35x on (32, 16, 8^2, 32, k3 s2 p1), phase
grid 1.56x its output; 1.14x / 1.39x on (32, 16, 5^2, 32, k3 s2 p1), 1.78x; 1.18x / 1.38x
on (16, 32, 12^2, 32, k5 s2), 2.25x; 0.85x / 1.14x on (8, 32, 6^2, 64, k5 s2 p2), 2.78x.
(It was 1.5, from the layers the strategy was first measured on.)"""


def phases_suit(spec: ConvSpec) -> bool:
    """Whether the "phases" backward suits ``spec``: a stride above 1 on some axis, and a
    phase grid, ceil(n' / s) per axis (n' the padded length), at most :data:`PHASES_GRID`
    times the output.

    >>> from symconv.algebra.geometry import WindowSpec
    >>> [phases_suit(ConvSpec(WindowSpec((n, n), (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),
    ...                       16, 32)) for n in (3, 5, 32)]
    [False, True, True]
    """
    w = spec.window
    if all(s == 1 for s in w.stride):
        return False
    grid = prod(-(-n // s) for n, s in zip(_padded(w), w.stride))
    return grid <= PHASES_GRID * prod(w.output)


def conv_strategy(spec: ConvSpec) -> str:
    """The strategy of the generated module, named in its docstring.

    ``"pointwise"`` for a 1x1 kernel with stride 1 and no padding (a batched matrix multiply
    straight on the ``(N, C, *S)`` layout, no im2col); when every group has one input channel
    and there are several groups, no per-group multiplies over the batch: ``"planes"`` with
    stride 1 (each image and channel a flat padded plane, every tap a constant offset in it,
    one multiply per block of planes on a stack of the taps), ``"depthwise"`` otherwise (a
    multiply-accumulate per tap on strided views);
    ``"shift"`` when
    :func:`shift_suits` (the backward without im2col: every tap a constant offset on the flat
    padded grid; the forward too, for few output channels and short rows:
    :func:`grid_forward`);
    otherwise im2col, with dX from :func:`input_gradient_strategy` (``"transposed"`` or
    ``"col2im"``).

    >>> from symconv.algebra.geometry import WindowSpec
    >>> one = WindowSpec((8, 8), (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1))
    >>> three = WindowSpec((8, 8), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1))
    >>> wide = WindowSpec((32,), (3,), (1,), ((1, 1),), (1,))
    >>> strided = replace(three, stride=(2, 2))
    >>> valid = replace(three, input=(4, 4), padding=((0, 0), (0, 0)))  # a grid 4x its output
    >>> [conv_strategy(s) for s in (ConvSpec(one, 4, 8), ConvSpec(three, 4, 4, 4),
    ...                             ConvSpec(strided, 4, 4, 4), ConvSpec(valid, 4, 8),
    ...                             ConvSpec(valid, 8, 4), ConvSpec(wide, 16, 16),
    ...                             ConvSpec(three, 4, 8))]
    ['pointwise', 'planes', 'depthwise', 'col2im', 'transposed', 'shift', 'shift']
    """
    w = spec.window
    if (all(k == 1 for k in w.kernel) and all(s == 1 for s in w.stride)
            and all(p == (0, 0) for p in w.padding)):
        return "pointwise"
    if spec.groups > 1 and spec.group_in == 1:
        return "planes" if all(s == 1 for s in w.stride) else "depthwise"
    if shift_suits(spec):
        return "shift"
    if phases_suit(spec):
        return "phases"
    return input_gradient_strategy(spec)


DW_COLUMNS_FIRST = 256
"""dW as ``(cols @ dy^T)^T`` when a group's column count C_in/g * taps is at most this.

Measured (OpenBLAS, 2 threads): columns-first 1.4-1.6x faster on a 16 x 27 product over
32,768 positions (Zen 2). On a Zen 4 (OpenBLAS 0.3.31), the whole backward with the columns
first instead of the rows (``benchmarks/bench_strategies.py LAYER --set
DW_COLUMNS_FIRST=100000``, time ratio, float64 / float32): (8, 3, 224^2, 64, k7 s2 p3), 147
columns, 0.94 / 0.90; (16, 3, 64^2, 16, k7 s2 p3), 147 columns, 0.98 / 0.93; (32, 16, 32^2,
32, k3 s2 p1), 144 columns, 1.01 / 0.94; (4, 8, 16^3, 16, k3 p1), 216 columns, 1.01 / 0.86.
Beyond a few hundred columns the double kernels favour the rows first (the product alone, 32
x 576 over 4,000 positions: columns-first 1.19x the time in float64, 0.63x in float32)."""


def weight_gradient_order(spec: ConvSpec) -> str:
    """Operand order of dW's multiply, by shape: ``"columns-first"`` (``cols @ dy^T``,
    transposed back) for at most :data:`DW_COLUMNS_FIRST` columns per group, else
    ``"rows-first"`` (``dy @ cols^T``)."""
    return "columns-first" if _columns(spec) <= DW_COLUMNS_FIRST else "rows-first"


def proof_spec(spec: ConvSpec) -> ConvSpec:
    """The instance whose proof goes into the module docstring.

    The layer itself when it has at most :data:`PROOF_TERMS` forward products; otherwise the
    same geometry and groups with batch 1 and at most two channels per group on each side —
    the identities are per channel pair — and, if still too large, an input shortened by
    :meth:`WindowSpec.proof_window` (same kernel, stride, padding, dilation and leftover r).

    >>> from symconv.algebra.geometry import WindowSpec
    >>> big = ConvSpec(WindowSpec((32, 32), (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)), 16, 32)
    >>> small = proof_spec(big)
    >>> small.in_channels, small.out_channels, small.window == big.window
    (2, 2, True)
    >>> proof_spec(replace(big, window=replace(big.window, input=(512, 512)))).window.input
    (6, 6)
    """
    if spec.forward_terms <= PROOF_TERMS:
        return spec
    fewer = replace(spec, batch=1, in_channels=spec.groups * min(spec.group_in, 2),
                    out_channels=spec.groups * min(spec.group_out, 2))
    if fewer.forward_terms <= PROOF_TERMS:
        return fewer
    return replace(fewer, window=spec.window.proof_window())


def module_context(spec: ConvSpec, derivation: Derivation[ConvSpec]) -> dict:
    """The constants baked into the module, and the instance the proof ran on."""
    w = spec.window
    proven = derivation.spec
    chosen = conv_strategy(spec)
    im2col = chosen in ("col2im", "transposed", "shift", "phases")
    return {
        "rank": w.rank, "kernel": repr(w.kernel), "stride": repr(w.stride),
        "padding": repr(w.padding), "dilation": repr(w.dilation), "groups": spec.groups,
        "in_channels": spec.in_channels, "out_channels": spec.out_channels,
        "weight_shape": repr(spec.weight_shape), "spatial_names": SPATIAL_NAMES[w.rank],
        # dX of the im2col code; shift and phases fall back on im2col + col2im (the exact
        # products) for inf/NaN
        "strategy": "transposed" if chosen == "transposed" else "col2im" if im2col else chosen,
        "im2col": im2col,
        "conv_strategy": chosen,
        "strided": any(s != 1 for s in w.stride),
        "dw_order": weight_gradient_order(spec),
        "shift_method": shift_method(spec),
        "grid_forward": grid_forward(spec),
        "grid_gaps": repr(grid_gaps(w)),
        "proof_instance": (f"x {proven.input_shape} (input {axes_text(proven.window.input)}), "
                           f"w {proven.weight_shape}, dy {proven.output_shape}"),
    }
