"""Each strategy of the generated conv module (``conv_strategy``) against the loop reference,
central finite differences and the dot test, on awkward specs, float32 and float64, and the
two-call test (results never overwritten by a second call).

Specs named ``...-forced-...`` are generated with the shift and phases strategies' shape
limits lifted (:data:`FORCED`): the measured choice keeps them to grids not much larger than
the output, but their code is general, and small specs exercise the grid offsets of several
axes; ``-stack-`` forces the shift strategy's stack of dy's shifted views (dW and dX from it)
whatever the width.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from symconv.layers.conv import module as conv_module
from symconv.layers.conv.layer import LAYER as CONV
from symconv.layers.conv.module import conv_strategy, shift_method
from symconv.render.artifacts import generate
from tests import loop_reference
from tests.conftest import conv
from tests.generated_modules import (
    IM2COL_FORCED,
    geometry,
    import_source,
    module_for,
    random_problem,
)

STRATEGY_SPECS = {
    "pointwise-2d-groups": conv((5, 4), 1, cin=4, cout=6, groups=2, batch=3),
    "pointwise-1d": conv((7,), 1, cin=3, cout=2, batch=2),
    "pointwise-3d-dilation": conv((3, 2, 4), 1, 1, 0, 2, cin=2, cout=3, batch=2),
    "depthwise-leftover-asymmetric": conv((8, 7), 3, 2, ((1, 2), (0, 1)), cin=3, cout=3,
                                          groups=3, batch=2),
    "depthwise-multiplier-dilation": conv((9, 8), 3, (1, 2), ((2, 0), (1, 1)), 2, cin=2,
                                          cout=6, groups=2, batch=2),
    "depthwise-1d": conv((9,), 3, 2, ((2, 1),), 2, cin=4, cout=4, groups=4, batch=2),
    "depthwise-3d": conv((5, 4, 4), 2, 2, 1, cin=2, cout=2, groups=2, batch=2),
    "planes-1d-dilated-asymmetric": conv((9,), 3, 1, ((2, 1),), 2, cin=4, cout=4, groups=4,
                                         batch=2),
    "planes-multiplier-dilation": conv((9, 8), 3, 1, ((2, 0), (1, 1)), 2, cin=2, cout=6,
                                       groups=2, batch=2),
    "planes-3d-leftover-padding": conv((5, 4, 4), 2, 1, ((1, 0), 1, (0, 2)), cin=3, cout=3,
                                       groups=3, batch=3),
    "planes-wide-padding": conv((6, 5), 3, 1, ((3, 3), (1, 4)), cin=3, cout=3, groups=3,
                                batch=2),
    "col2im-leftover": conv((6, 6), 3, 2, 0, cin=2, cout=3, batch=2),
    "col2im-phases-dilation-r-above-p_hi": conv((11, 9), 3, (3, 2), ((2, 0), (1, 1)), 2, cin=2,
                                               cout=3, batch=2),
    "col2im-phases-3d": conv((3, 4, 5), 2, (2, 1, 3), ((1, 0), 1, (0, 2)), cin=2, cout=3,
                             batch=2),
    "phases-leftover": conv((12, 11), 3, 2, 1, cin=2, cout=3, batch=2),
    "phases-groups-dilation": conv((24, 23), 3, 2, 1, 2, cin=4, cout=6, groups=2, batch=2),
    "phases-1d-asymmetric": conv((21,), 4, 3, ((2, 0),), cin=3, cout=2, batch=3),
    "phases-3d-mixed-stride": conv((5, 4, 7), 2, (2, 1, 3), ((1, 0), 1, (0, 2)), cin=2,
                                   cout=3, batch=2),
    "phases-forced-2d-wide-grid": conv((6, 6), 3, 2, 0, cin=3, cout=2, batch=2),
    "transposed-asymmetric": conv((5, 4), 3, 1, ((0, 2), (1, 0)), cin=3, cout=2, batch=2),
    "shift-1d-dilated-asymmetric": conv((30,), 3, 1, ((4, 0),), 2, cin=16, cout=17, batch=2),
    "shift-1d-groups": conv((24,), 3, 1, 1, cin=32, cout=32, groups=2, batch=1),
    "shift-columns-2d": conv((12, 11), 3, 1, 1, cin=2, cout=3, batch=2),
    "shift-stack-short-rows-2d": conv((10, 9), 3, 1, 1, cin=16, cout=16, batch=1),
    "shift-forced-2d-large-padding": conv((5, 4), 3, 1, ((3, 1), (0, 2)), cin=2, cout=3,
                                          batch=2),
    "shift-forced-3d-dilation-groups": conv((5, 4, 5), 2, 1, ((1, 0), 1, (0, 2)), 2, cin=4,
                                            cout=2, groups=2, batch=2),
    "shift-forced-stack-2d-large-padding": conv((5, 4), 3, 1, ((3, 1), (0, 2)), cin=2, cout=3,
                                               batch=3),
    "shift-forced-stack-3d-dilation-groups": conv((5, 4, 5), 2, 1, ((1, 0), 1, (0, 2)), 2,
                                                 cin=4, cout=2, groups=2, batch=3),
    "shift-stack-wide-1d": conv((40,), 3, 1, 1, cin=24, cout=20, batch=2),
    # 72 columns per group, but twice as many output channels: x's columns, not the stack
    "shift-columns-more-outputs-groups-2d": conv((7, 6), 3, 1, 1, cin=16, cout=32, groups=2,
                                                 batch=2),
    # padding beyond d(k-1) on both sides: rows keep their own zeros (no shared ones)
    "shift-forced-2d-wide-padding": conv((5, 4), 3, 1, ((3, 3), (1, 4)), cin=2, cout=3,
                                         batch=2),
    "shift-forced-stack-2d-wide-padding": conv((5, 4), 3, 1, ((3, 3), (1, 4)), cin=2, cout=3,
                                               batch=3),
}
FORCED = {"SHIFT_RANK": 3, "SHIFT_CHANNELS": 1, "SHIFT_GRID": float("inf"),
          "PHASES_GRID": float("inf")}
# the stack, whatever the shape
STACK_FORCED = {"SHIFT_DW_COLUMNS": 0, "SHIFT_OUT_RATIO": float("inf")}
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-4}


def rules(name):
    """The strategy choice for ``name``: as measured, or with the shift limits lifted
    (``-forced-``), and with the stack whatever the width (``-stack-``); the im2col specs
    (``col2im-``, ``transposed-``) stay on im2col however the grid limits are tuned."""
    chosen = {key: getattr(conv_module, key) for key in (*FORCED, *STACK_FORCED)}
    if "-forced-" in name:
        chosen.update(FORCED)
    if name.startswith(("col2im-", "transposed-")):
        chosen.update(IM2COL_FORCED)
    if "-stack-" in name:
        chosen.update(STACK_FORCED)
    return mock.patch.multiple(conv_module, **chosen)


@pytest.fixture(params=sorted(STRATEGY_SPECS), ids=sorted(STRATEGY_SPECS))
def named(request):
    spec = STRATEGY_SPECS[request.param]
    with rules(request.param):
        return request.param, spec, module_for(spec)[0]


def test_every_strategy_is_covered():
    # distinct specs: module_for generates one module per spec, under the first one's rules
    assert len(set(STRATEGY_SPECS.values())) == len(STRATEGY_SPECS)
    chosen = set()
    for name, spec in STRATEGY_SPECS.items():
        with rules(name):
            chosen.add(conv_strategy(spec))
            assert conv_strategy(spec) == name.split("-")[0], name
    assert chosen == {"pointwise", "planes", "depthwise", "col2im", "transposed", "shift",
                      "phases"}


def test_docstring_names_the_strategy(named):
    name, _, module = named
    assert f'strategy "{name.split("-")[0]}"' in module.__doc__
    if name.startswith("shift-"):  # the module was generated under its own rules
        source = Path(module.__file__).read_text()
        stacked = "-stack-" in name
        with rules(name):
            assert (shift_method(STRATEGY_SPECS[name]) == "stack") == stacked, name
        assert ("x's columns on the grid" in source) != stacked, name
        assert ("def _stacked(" in source) == stacked, name
        assert ("def _shifted_products(" in source) != stacked, name


def test_generated_source_passes_ruff(named):
    _, _, module = named
    # the default rules, and blank lines and whitespace as PEP 8 has them
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--preview",
                           "--extend-select", "E1,E2,E3,W", module.__file__],
                          capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_loop_reference(named, dtype):
    _, spec, module = named
    x, w, b, _ = random_problem(spec, dtype)
    wide = [a.astype(np.float64) for a in (x, w, b)]
    tolerance = TOLERANCE[dtype]
    out = module.forward(x, w, b)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, loop_reference.conv_forward(*wide, *geometry(spec)),
                               rtol=tolerance, atol=tolerance)
    _backward_matches_the_loops(module, spec, 0, dtype)


def test_dot_test(named):
    """<dy, J v> = <J^T dy, v> for the linear map (x, w) -> O without bias."""
    _, spec, module = named
    x, w, _, dy = random_problem(spec, np.float64, seed=3)
    dx, dw, _ = module.backward(dy, x, w)
    # O is bilinear: <dy, O(x, w)> = <dx, x> = <dw, w>
    inner = np.vdot(dy, module.forward(x, w))
    np.testing.assert_allclose(np.vdot(dx, x), inner, rtol=1e-11)
    np.testing.assert_allclose(np.vdot(dw, w), inner, rtol=1e-11)


def test_central_finite_differences(named):
    _, spec, module = named
    x, w, b, dy = random_problem(spec, np.float64, seed=4)
    dx, dw, db = module.backward(dy, x, w)
    rng = np.random.default_rng(5)

    def loss(x_, w_, b_):
        return np.vdot(dy, module.forward(x_, w_, b_))

    for grad, index in ((dx, 0), (dw, 1), (db, 2)):
        for _ in range(4):
            args = [x.copy(), w.copy(), b.copy()]
            flat = rng.integers(args[index].size)
            step = 1e-6
            args[index].flat[flat] += step
            up = loss(*args)
            args[index].flat[flat] -= 2 * step
            numeric = (up - loss(*args)) / (2 * step)
            assert np.isclose(numeric, grad.flat[flat], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("workspace", [None, 1], ids=["one-chunk", "one-image-chunks"])
def test_results_survive_a_second_call(named, workspace, monkeypatch):
    _, spec, module = named
    if workspace is not None:  # also one plane per block for the planes strategy
        monkeypatch.setattr(module, "WORKSPACE_BYTES", workspace, raising=False)
        monkeypatch.setattr(module, "PLANE_BYTES", workspace, raising=False)
    one, two = random_problem(spec, np.float64, 1), random_problem(spec, np.float64, 2)
    for call, first_args, second_args in (
            (module.backward, (one[3], one[0], one[1]), (two[3], two[0], two[1])),
            (module.forward, one[:3], two[:3])):
        first = call(*first_args)
        first = first if isinstance(first, tuple) else (first,)
        kept = [result.copy() for result in first]
        second = call(*second_args)
        second = second if isinstance(second, tuple) else (second,)
        for result, copy in zip(first, kept):
            np.testing.assert_array_equal(result, copy)
            for other in (*second, *first_args, *second_args):
                assert not np.shares_memory(result, other)
    want = loop_reference.conv_backward(one[3], one[0], one[1], *geometry(spec))
    for got, expected in zip(module.backward(one[3], one[0], one[1]), want):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("order", ["C", "F"])
def test_results_are_c_contiguous(named, order):
    """Like torch's: every result C-contiguous, also for Fortran-ordered inputs (the small
    dW and db are never views of a larger scratch or a reversed view), and right."""
    _, spec, module = named
    x, w, b, dy = (np.asarray(a, order=order) for a in random_problem(spec, np.float64, 3))
    results = (module.forward(x, w, b), *module.backward(dy, x, w))
    for name, result in zip(("out", "dx", "dw", "db"), results):
        assert result.flags.c_contiguous, (name, result.strides)
    want = loop_reference.conv_backward(dy, x, w, *geometry(spec))
    for got, expected in zip(results[1:], want):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    w = w.copy(order=order)
    w.flat[0] = np.inf   # the fallback's results (im2col or tap by tap) as well
    with np.errstate(invalid="ignore"):
        for name, result in zip(("dx", "dw", "db"), module.backward(dy, x, w)):
            assert result.flags.c_contiguous, ("fallback", name, result.strides)


def test_uneven_chunks_of_the_batch(named, monkeypatch):
    """Chunks of 2 images over a batch of 5 (the last one smaller, a view of the scratch
    layout), twice in a row so that the second call reuses the cached scratch."""
    _, spec, module = named
    monkeypatch.setattr(module, "_chunk_size", lambda batch, *_: min(batch, 2), raising=False)
    for seed in (8, 9):
        _assert_matches_the_loops(module, spec, seed, batch=5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_other_input_sizes_find_no_stale_scratch(named, dtype):
    """One module serves every input size its geometry accepts, and keeps its scratch
    between calls: the spec's size, then one entry shorter and one longer per axis, and back,
    in a row. Sizes n and n + 1 can share a padded or phase grid shape (ceil((n + p) / s)),
    so a cached zero border must be keyed by the size, or the second call reads the first
    one's entries where its zeros belong."""
    _, spec, module = named
    stride, padding, dilation, groups = geometry(spec)
    spatial = spec.input_shape[2:]
    rng = np.random.default_rng(21)
    tolerance = TOLERANCE[dtype]
    for delta in (0, -1, 1, 0):
        size = tuple(n + delta for n in spatial)
        if any(n + lo + hi < d * (k - 1) + 1 or n < 1 for n, (lo, hi), d, k in
               zip(size, padding, dilation, spec.window.kernel)):
            continue   # the geometry takes no window of this size
        x = rng.standard_normal((spec.batch, spec.in_channels, *size)).astype(dtype)
        w = rng.standard_normal(spec.weight_shape).astype(dtype)
        b = rng.standard_normal(spec.out_channels).astype(dtype)
        dy = rng.standard_normal((spec.batch, spec.out_channels,
                                  *module.output_size(size))).astype(dtype)
        wide = [a.astype(np.float64) for a in (x, w, b, dy)]
        np.testing.assert_allclose(module.forward(x, w, b),
                                   loop_reference.conv_forward(*wide[:3], *geometry(spec)),
                                   rtol=tolerance, atol=tolerance, err_msg=f"{size}")
        want = loop_reference.conv_backward(wide[3], wide[0], wide[1], *geometry(spec))
        for got, expected in zip(module.backward(dy, x, w), want):
            np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance,
                                       err_msg=f"{size}")


def _assert_matches_the_loops(module, spec, seed, batch):
    """forward and backward of one random float64 problem against the loop reference."""
    x, w, b, dy = random_problem(spec, np.float64, seed=seed, batch=batch)
    np.testing.assert_allclose(module.forward(x, w, b),
                               loop_reference.conv_forward(x, w, b, *geometry(spec)),
                               rtol=1e-12, atol=1e-12)
    want = loop_reference.conv_backward(dy, x, w, *geometry(spec))
    for got, expected in zip(module.backward(dy, x, w), want):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_non_finite_dx_has_only_the_layers_products(named, value):
    """Like PyTorch: dX never multiplies w with padding, so inf/NaN land where they belong."""
    _, spec, module = named
    x, w, _, dy = random_problem(spec, np.float64, seed=6)
    w.flat[0] = value
    with np.errstate(invalid="ignore"):
        dx, _, _ = module.backward(dy, x, w)
    want, _, _ = loop_reference.conv_backward(dy, x, w, *geometry(spec))
    np.testing.assert_array_equal(np.isnan(dx), np.isnan(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(dx[finite], want[finite], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_non_finite_x_reaches_only_its_products(named, value):
    """An inf/NaN in x reaches dW only through the layer's products (the shift strategy's
    margin zeros would add 0 * inf = NaN: it falls back on im2col); dX does not see x."""
    _, spec, module = named
    x, w, _, dy = random_problem(spec, np.float64, seed=7)
    x.flat[x.size // 2] = value
    with np.errstate(invalid="ignore"):
        dx, dw, _ = module.backward(dy, x, w)
    want_dx, want_dw, _ = loop_reference.conv_backward(dy, x, w, *geometry(spec))
    for got, want in ((dx, want_dx), (dw, want_dw)):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        finite = np.isfinite(want)
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=1e-12)



@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_non_finite_x_reaches_only_its_outputs(named, value):
    """An inf/NaN in x reaches exactly the outputs whose windows hold it, as in the loops:
    the grid forward computes positions that are not outputs (and drops them), but an
    output's window reads only its own padded positions."""
    _, spec, module = named
    x, w, b, _ = random_problem(spec, np.float64, seed=24)
    x.flat[x.size // 3::11] = value  # some of them in windows whatever the stride
    with np.errstate(invalid="ignore"):  # inf - inf in the sums
        got = module.forward(x, w, b)
        want = loop_reference.conv_forward(x, w, b, *geometry(spec))
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    finite = np.isfinite(want)
    assert not finite.all()
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=1e-12)

def test_every_shift_method_is_exercised():
    methods = set()
    for name, spec in STRATEGY_SPECS.items():
        with rules(name):
            if conv_strategy(spec) == "shift":
                methods.add(shift_method(spec))
    assert methods == {"columns", "stack"}


def _stacked(name):
    with rules(name):
        spec = STRATEGY_SPECS[name]
        return conv_strategy(spec) == "shift" and shift_method(spec) == "stack"


@pytest.mark.parametrize("name", [name for name in sorted(STRATEGY_SPECS) if _stacked(name)])
@pytest.mark.parametrize("source_first", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stack_blocks(name, source_first, dtype, monkeypatch):
    """dX and dW from stacks of 3 grid columns (the last one shorter), so that the shifted
    views of every block start and end inside rows and images, with dW's multiply in either
    operand order (x's grid first, or the stack first) whatever the dtype."""
    spec = STRATEGY_SPECS[name]
    with rules(name):
        module = module_for(spec)[0]
    monkeypatch.setattr(module, "_stack_block", lambda *_: 3)
    monkeypatch.setattr(module, "SOURCE_FIRST_ITEMSIZE", 1 if source_first else 16)
    _backward_matches_the_loops(module, spec, 10, dtype)


def _first_stacked_module():
    """The module of the first spec (by name) on the shift strategy's stack."""
    name = next(name for name in sorted(STRATEGY_SPECS) if _stacked(name))
    with rules(name):
        return module_for(STRATEGY_SPECS[name])[0]


def test_thin_blocks_stay_on_one_thread_when_wide_enough():
    """A thin product's blocks hold at most ONE_THREAD_PRODUCTS multiply-adds per multiply
    when that leaves at least BLOCK_COLUMNS columns, else at most BLOCK_PRODUCTS, else there
    are no such blocks (0)."""
    module = _first_stacked_module()
    one, most, least = module.ONE_THREAD_PRODUCTS, module.BLOCK_PRODUCTS, module.BLOCK_COLUMNS
    assert one < most
    assert module._thin_block_width(200) == (one - 1) // 200
    assert module._thin_block_width(200, extra=10) == (one - 1) // 200 - 10
    too_narrow = one // least + 1  # one-thread blocks of fewer than BLOCK_COLUMNS columns
    assert (one - 1) // too_narrow < least
    assert module._thin_block_width(too_narrow) == (most - 1) // too_narrow
    assert module._thin_block_width(most // least + 1) == 0


def test_narrow_stacks_take_twice_the_bytes(monkeypatch):
    """A stack block holds about STACK_BLOCK_BYTES of rows, or twice that when those would be
    fewer than STACK_COLUMNS columns (products too wide for thin blocks)."""
    module = _first_stacked_module()
    monkeypatch.setattr(module, "BLOCK_COLUMNS", 10**9)  # no thin blocks
    row = len(module.TAPS) * module.OUT_CHANNELS * 8  # float64 bytes per column
    columns = module.STACK_COLUMNS
    monkeypatch.setattr(module, "STACK_BLOCK_BYTES", row * columns)
    assert module._stack_block(8) == columns
    monkeypatch.setattr(module, "STACK_BLOCK_BYTES", row * (columns - 1))
    assert module._stack_block(8) == 2 * (columns - 1)


def test_wide_stacks_stop_at_the_most_columns(monkeypatch):
    """A stack block holds at most STACK_MOST_COLUMNS columns, however many rows fit in
    STACK_BLOCK_BYTES."""
    module = _first_stacked_module()
    monkeypatch.setattr(module, "BLOCK_COLUMNS", 10**9)  # no thin blocks
    row = len(module.TAPS) * module.OUT_CHANNELS * 8  # float64 bytes per column
    most = module.STACK_MOST_COLUMNS
    assert most >= module.STACK_COLUMNS
    monkeypatch.setattr(module, "STACK_BLOCK_BYTES", row * most)
    assert module._stack_block(8) == most
    monkeypatch.setattr(module, "STACK_BLOCK_BYTES", row * (3 * most))
    assert module._stack_block(8) == most


def _backward_matches_the_loops(module, spec, seed, dtype=np.float64):
    """The backward of one random problem in ``dtype`` against the float64 loop reference."""
    x, w, _, dy = random_problem(spec, dtype, seed=seed)
    wide = [a.astype(np.float64) for a in (x, w, dy)]
    want = loop_reference.conv_backward(wide[2], wide[0], wide[1], *geometry(spec))
    for got, expected in zip(module.backward(dy, x, w), want):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("name", [name for name in sorted(STRATEGY_SPECS)
                                  if name.startswith("shift-") and not _stacked(name)])
@pytest.mark.parametrize("width", [1, 3, 7])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_column_blocks(name, width, dtype, monkeypatch):
    """The columns method's dX, dW and db in blocks of 1, 3 or 7 grid columns (the last one
    shorter, the last few without dW's part), so that every block starts and ends inside
    rows and images."""
    spec = STRATEGY_SPECS[name]
    with rules(name):
        module = module_for(spec)[0]
    monkeypatch.setattr(module, "_block_width", lambda *_: width)
    _backward_matches_the_loops(module, spec, 13, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_column_blocks_rows_first(dtype, monkeypatch):
    """The columns method with dW's multiply rows-first (the rules choose columns-first for
    every layer with this few columns: DW_COLUMNS_FIRST lowered below its 18 columns), in
    blocks of 3 grid columns, with groups and asymmetric padding."""
    spec = conv((14, 12), 3, 1, ((1, 0), (0, 1)), cin=4, cout=6, groups=2, batch=2)
    with mock.patch.object(conv_module, "DW_COLUMNS_FIRST", 4):
        assert conv_strategy(spec) == "shift" and shift_method(spec) == "columns"
        assert conv_module.weight_gradient_order(spec) == "rows-first"
        module = module_for(spec)[0]
    assert "one multiply (rows-first)" in Path(module.__file__).read_text()
    monkeypatch.setattr(module, "_block_width", lambda *_: 3)
    _backward_matches_the_loops(module, spec, 16, dtype)


@pytest.mark.parametrize("name", [name for name in sorted(STRATEGY_SPECS)
                                  if name.startswith("phases-")])
@pytest.mark.parametrize("width", [1, 3, 7])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_phase_blocks(name, width, dtype, monkeypatch):
    """The phases backward in blocks of 1, 3 or 7 grid positions (fewer than off_max, so
    that the read-back columns a block carries over span several blocks), twice in a row."""
    spec = STRATEGY_SPECS[name]
    with rules(name):
        module = module_for(spec)[0]
    monkeypatch.setattr(module, "_phase_block", lambda *_: width)
    for seed in (14, 15):
        _backward_matches_the_loops(module, spec, seed, dtype)


@pytest.mark.parametrize("name", [name for name in sorted(STRATEGY_SPECS)
                                  if name.startswith("planes-")])
def test_plane_blocks(name, monkeypatch):
    """Blocks of 5 planes, the last one smaller (a view of the scratch), twice in a row so
    that the second call reuses the cached zero borders."""
    spec = STRATEGY_SPECS[name]
    module = module_for(spec)[0]
    monkeypatch.setattr(module, "_plane_rows", lambda count, *_: min(count, 5))
    assert 3 * module.IN_CHANNELS % 5 != 0  # 3 images: the last block is smaller
    for seed in (11, 12):
        _assert_matches_the_loops(module, spec, seed, batch=3)



@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_phases_rows_first(dtype):
    """The phases strategy with dW's multiply rows-first (DW_COLUMNS_FIRST lowered below the
    layer's 18 columns), with groups, dilation and asymmetric padding."""
    spec = conv((13, 11), 3, 2, ((1, 0), (2, 1)), dilation=(1, 2), cin=4, cout=6, groups=2,
                batch=2)
    with mock.patch.object(conv_module, "DW_COLUMNS_FIRST", 4):
        assert conv_strategy(spec) == "phases"
        assert conv_module.weight_gradient_order(spec) == "rows-first"
        module = module_for(spec)[0]
    assert "one multiply (rows-first)" in module.__doc__
    _backward_matches_the_loops(module, spec, 17, dtype)

@pytest.mark.parametrize("positions_limit", [0, 10**9], ids=["dy-first", "x-first"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pointwise_weight_gradient_orders(positions_limit, dtype, monkeypatch):
    """The pointwise strategy's dW in both operand orders (x first only in float32, for
    images of at most COLUMNS_FIRST_POSITIONS positions and C_in/g >= C_out/g), with
    groups; dW comes back contiguous either way."""
    spec = conv((5, 3), 1, cin=6, cout=4, groups=2, batch=3)
    assert conv_strategy(spec) == "pointwise"
    module = module_for(spec)[0]
    monkeypatch.setattr(module, "COLUMNS_FIRST_POSITIONS", positions_limit)
    _backward_matches_the_loops(module, spec, 18, dtype)
    x, w, _, dy = random_problem(spec, dtype, seed=19)
    assert module.backward(dy, x, w)[1].flags.c_contiguous


def test_both_weight_gradient_orders_are_exercised():
    from symconv.layers.conv.module import weight_gradient_order
    orders = {weight_gradient_order(spec) for spec in STRATEGY_SPECS.values()}
    orders.add(weight_gradient_order(conv((6, 6), 3, 2, 1, cin=32, cout=3, batch=2)))
    assert orders == {"columns-first", "rows-first"}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_first_weight_gradient_matches_the_loops(dtype):
    spec = conv((7, 6), 3, (2, 1), ((1, 0), (2, 1)), cin=32, cout=3, batch=2)
    with mock.patch.multiple(conv_module, **IM2COL_FORCED):  # dW's order is im2col's
        module, _ = module_for(spec)
    assert "multiplied rows-first" in module.__doc__
    x, w, _, dy = random_problem(spec, dtype)
    wide = [a.astype(np.float64) for a in (dy, x, w)]
    for got, want in zip(module.backward(dy, x, w),
                         loop_reference.conv_backward(*wide, *geometry(spec))):
        np.testing.assert_allclose(got, want, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_phases_blocks_split_every_chunk_evenly_and_stay_right(dtype, monkeypatch):
    """Blocks of at most 256 grid positions (PHASE_BLOCK_BYTES of 1 byte), chunks of two
    images and a last chunk of one: the full chunks (2 * 13^2 = 338 positions) and the last
    (169) each split into equal blocks (169 positions each); the result
    equals the loop reference."""
    spec = conv((24, 23), 3, 2, 1, 2, cin=4, cout=6, groups=2, batch=5)
    module = module_for(spec)[0]
    assert conv_strategy(spec) == "phases"
    x, w, _, dy = random_problem(spec, dtype, 3)
    image_entries = (2 * 4 * 4 + 6) * 13 * 13  # x's phases, dX's and dy per image
    monkeypatch.setattr(module, "WORKSPACE_BYTES", 2 * image_entries * x.itemsize)
    monkeypatch.setattr(module, "PHASE_BLOCK_BYTES", 1)
    assert module._phase_block(338, 256) == 169 and module._phase_block(169, 169) == 169
    assert module._phase_block(1000, 256) == 250
    want = loop_reference.conv_backward(dy, x, w, *geometry(spec))
    tolerance = 1e-4 if dtype == np.float32 else 1e-12
    for got, expected in zip(module.backward(dy, x, w), want):
        np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


def _forward_matches_the_loops(module, spec, seed, dtype, batch=None):
    """The forward (with b) of one random problem in ``dtype`` against the float64 loops."""
    x, w, b, _ = random_problem(spec, dtype, seed=seed, batch=batch)
    wide = [a.astype(np.float64) for a in (x, w, b)]
    got = module.forward(x, w, b)
    assert got.dtype == dtype and got.flags.c_contiguous
    np.testing.assert_allclose(got, loop_reference.conv_forward(*wide, *geometry(spec)),
                               rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("name", [name for name in sorted(STRATEGY_SPECS)
                                  if name.startswith("shift-")])
@pytest.mark.parametrize("limit", ["columns", "bytes"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grid_forward_blocks(name, limit, dtype, monkeypatch):
    """The shift strategy's forward on x's grid in blocks of 3 or 7 grid columns (set by
    FORWARD_COLUMNS, or by FORWARD_BLOCK_BYTES holding 3 columns of the stack), so that
    blocks start and end inside rows and images, over chunks of 2 images of a batch of 5,
    twice in a row (the second call reuses the cached scratch). The grid forward is forced
    on every shift spec, whatever its output channels and rows."""
    spec = STRATEGY_SPECS[name]
    with rules(name), mock.patch.multiple(conv_module, SHIFT_FORWARD_CHANNELS=float("inf"),
                                          SHIFT_FORWARD_ROW=float("inf")):
        source = generate(CONV, spec)[0]
    module = import_source(source, f"grid_forward_{name}_{limit}_{dtype.__name__}"
                                   .replace("-", "_"))
    assert module.FORWARD_COLUMNS == 4096
    if limit == "columns":
        monkeypatch.setattr(module, "FORWARD_COLUMNS", 7)
    else:
        row = spec.in_channels * len(module.TAPS) * np.dtype(dtype).itemsize
        monkeypatch.setattr(module, "FORWARD_BLOCK_BYTES", 3 * row + row // 2)
    monkeypatch.setattr(module, "_chunk_size", lambda batch, *_: min(batch, 2))
    for seed in (21, 22):
        _forward_matches_the_loops(module, spec, seed, dtype, batch=5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_shift_forward_on_im2col_when_the_rule_says_so(dtype):
    """The shift strategy's forward on x's grid for few output channels and short rows, and
    on im2col with SHIFT_FORWARD_CHANNELS = 0 (the measured alternative, for
    bench_strategies.py --pass forward), the backward unchanged."""
    name = "shift-columns-2d"
    spec = STRATEGY_SPECS[name]
    with rules(name):
        assert "FORWARD_COLUMNS" in generate(CONV, spec)[0]
    with rules(name), mock.patch.object(conv_module, "SHIFT_FORWARD_CHANNELS", 0):
        source = generate(CONV, spec)[0]
    module = import_source(source, f"im2col_forward_{dtype.__name__}")
    assert 'strategy "shift"' in source and "FORWARD_COLUMNS" not in source
    assert "The forward pass is im2col's" in source
    _forward_matches_the_loops(module, spec, 23, dtype)
    _backward_matches_the_loops(module, spec, 23, dtype)
