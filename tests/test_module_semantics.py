"""Generated modules as a caller uses them: results that stay put, bounded memory, and the
numerical semantics of PyTorch for NaN, inf and unnormalised targets (issue #9).

References are small NumPy loops written here; torch is not needed.
"""

from __future__ import annotations

import contextlib
import gc
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import numpy as np
import pytest

from symconv.catalogue import from_arguments
from symconv.layers.conv import module as conv_rules
from symconv.layers.conv.module import input_gradient_strategy
from tests import loop_reference
from tests.conftest import conv
from tests.generated_modules import (
    IM2COL_FORCED,
    geometry,
    module_from_arguments,
    random_problem,
)
from tests.generated_modules import module_for as conv_module_for


def layer_module(options):
    """The generated module for command-line ``options`` (any layer), generated once."""
    return module_from_arguments(options)[0]


# ------------------------------------------------------------ #9.2: results stay put

CONV_GEOMETRIES = {
    # stride 1 and C_in >= C_out: dX by the "transposed" multiply
    "transposed-stride1-p1": conv((6, 6), 3, 1, 1, cin=3, cout=2, batch=3),
    "transposed-batch1-no-padding": conv((6, 6), 3, 1, 0, cin=2, cout=2, batch=1),
    "transposed-groups": conv((5, 5), 3, 1, 1, cin=4, cout=4, groups=2, batch=2),
    "transposed-3d": conv((4, 5, 4), 2, 1, 1, cin=2, cout=2, batch=2),
    # col2im: stride > 1 or C_in < C_out
    "col2im-stride2": conv((7, 7), 3, 2, 1, cin=2, cout=3, batch=3),
    "col2im-issue-28x28-k5-cin1-cout6-batch64": conv((28, 28), 5, 1, 0, cin=1, cout=6,
                                                     batch=64),
    "col2im-batch1-no-padding": conv((6, 6), 3, 1, 0, cin=1, cout=3, batch=1),
    "col2im-groups": conv((6, 6), 3, 2, 1, cin=4, cout=6, groups=2, batch=2),
    "col2im-1d": conv((9,), 3, 2, ((2, 1),), cin=2, cout=3, batch=2),
    "col2im-3d": conv((5, 4, 4), 2, 2, 1, cin=2, cout=2, batch=2),
    "transposed-depthwise-dilated": conv((9, 9), 3, 1, 2, 2, cin=3, cout=3, groups=3, batch=2),
    "col2im-depthwise-dilated": conv((9, 9), 3, 2, 2, 2, cin=3, cout=3, groups=3, batch=2),
}


def test_geometries_cover_both_input_gradient_strategies():
    strategies = [input_gradient_strategy(spec) for spec in CONV_GEOMETRIES.values()]
    assert set(strategies) == {"transposed", "col2im"}
    for name, spec in CONV_GEOMETRIES.items():
        assert input_gradient_strategy(spec) == name.split("-")[0], name


def assert_results_stay_put(call, first_inputs, second_inputs):
    """``call`` twice: the first results keep their values and share no memory with the
    second results or with any input."""
    first = call(*first_inputs)
    first = first if isinstance(first, tuple) else (first,)
    kept = [np.array(result, copy=True) for result in first]
    second = call(*second_inputs)
    second = second if isinstance(second, tuple) else (second,)
    for index, (result, copy) in enumerate(zip(first, kept)):
        np.testing.assert_array_equal(result, copy, err_msg=f"result {index} changed")
    arrays = [a for a in (*first_inputs, *second_inputs) if isinstance(a, np.ndarray)]
    for index, result in enumerate(first):
        for other in (*second, *arrays):
            if isinstance(result, np.ndarray) and isinstance(other, np.ndarray):
                assert not np.shares_memory(result, other), f"result {index} aliases"
    return first, second


@pytest.mark.parametrize("workspace", [None, 1], ids=["one-chunk", "one-image-chunks"])
@pytest.mark.parametrize("name", sorted(CONV_GEOMETRIES))
def test_conv_results_survive_a_second_call(name, workspace, monkeypatch):
    spec = CONV_GEOMETRIES[name]
    module, _ = conv_module_for(spec)
    if workspace is not None:
        monkeypatch.setattr(module, "WORKSPACE_BYTES", workspace, raising=False)
    one, two = random_problem(spec, seed=1), random_problem(spec, seed=2)
    first, _ = assert_results_stay_put(module.backward, (one[3], one[0], one[1]),
                                       (two[3], two[0], two[1]))
    for got, want in zip(first, loop_reference.conv_backward(one[3], one[0], one[1],
                                                             *geometry(spec))):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert_results_stay_put(module.forward, one[:3], two[:3])
    assert_results_stay_put(module.forward, one[:2], two[:2])


LAYER_CALLS = {
    "relu": ("--layer relu --input 4x5 --in-channels 2 --batch 2", ["x"]),
    "maxpool": ("--layer maxpool --input 6x6 --kernel 2", ["x"]),
    "maxpool-padded": ("--layer maxpool --input 7x6 --kernel 3 --stride 2 --padding 1", ["x"]),
    "maxpool-k1": ("--layer maxpool --input 4x4 --kernel 1 --stride 1", ["x"]),
    "avgpool": ("--layer avgpool --input 6x6 --kernel 2", ["x"]),
    "avgpool-k1": ("--layer avgpool --input 4x4 --kernel 1 --stride 1", ["x"]),
    "avgpool-exclude": ("--layer avgpool --input 7x6 --kernel 3 --stride 2 --padding 1 "
                        "--no-count-include-pad", ["x"]),
    "linear": ("--layer linear --in-features 5 --out-features 3", ["x", "w", "b"]),
    "softmax-ce-indices": ("--layer softmax-ce --classes 4", ["z", "indices"]),
    "softmax-ce-probabilities": ("--layer softmax-ce --classes 4", ["z", "probabilities"]),
}


def layer_inputs(layer, spec, names, seed, batch=3):
    """Random arrays for the names of ``LAYER_CALLS``."""
    rng = np.random.default_rng(seed)
    make = {
        "x": lambda: rng.standard_normal((batch, 5) if layer.name == "linear"
                                         else spec.input_shape),
        "w": lambda: rng.standard_normal((3, 5)),
        "b": lambda: rng.standard_normal(3),
        "z": lambda: rng.standard_normal((batch, 4)),
        "indices": lambda: rng.integers(0, 4, batch),
        "probabilities": lambda: rng.dirichlet(np.ones(4), batch),
    }
    return [make[name]() for name in names]


@pytest.mark.parametrize("name", sorted(LAYER_CALLS))
def test_layer_results_survive_a_second_call(name):
    options, names = LAYER_CALLS[name]
    module = layer_module(options)
    layer, spec = from_arguments(options)

    def inputs(seed):
        return layer_inputs(layer, spec, names, seed)

    one, two = inputs(1), inputs(2)
    if layer.name == "softmax-ce":
        assert_results_stay_put(module.backward, one, two)
        assert_results_stay_put(module.forward, one, two)
        return
    out_one, out_two = assert_results_stay_put(module.forward, one, two)
    dy_one = np.random.default_rng(3).standard_normal(out_one[0].shape)
    dy_two = np.random.default_rng(4).standard_normal(out_two[0].shape)
    if layer.name == "linear":
        assert_results_stay_put(module.backward, (dy_one, one[0], one[1]),
                                (dy_two, two[0], two[1]))
    else:
        assert_results_stay_put(module.backward, (dy_one, one[0]), (dy_two, two[0]))


@pytest.mark.parametrize("name", sorted(LAYER_CALLS))
def test_layer_results_are_c_contiguous_for_fortran_inputs(name):
    """Every result a new C-contiguous array, also when the inputs are Fortran-ordered."""
    options, names = LAYER_CALLS[name]
    module = layer_module(options)
    layer, spec = from_arguments(options)
    arrays = [np.asfortranarray(a) for a in layer_inputs(layer, spec, names, 5)]
    if layer.name == "softmax-ce":
        results = [module.backward(*arrays)]
    else:
        out = module.forward(*arrays)
        dy = np.asfortranarray(np.random.default_rng(6).standard_normal(out.shape))
        grads = (module.backward(dy, *arrays[:2]) if layer.name == "linear"
                 else module.backward(dy, arrays[0]))
        results = [out, *(grads if isinstance(grads, tuple) else (grads,))]
    for result in results:
        assert result.flags.c_contiguous, (name, result.strides)


# ------------------------------------------------------------ #9.5: bounded memory


def traced_call(function, *arguments):
    """(results, peak bytes above the start, bytes still allocated once results are gone)."""
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        results = function(*arguments)
        peak = tracemalloc.get_traced_memory()[1] - start
        sizes = sum(r.nbytes for r in results)
        del results
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    return sizes, peak, kept


@pytest.mark.parametrize("cache", [0, 2**20], ids=["cache-nothing", "cache-1MiB"])
@pytest.mark.parametrize("cin, cout, stride, strategy",
                         [(8, 4, 1, "transposed"), (8, 16, 2, "phases"), (8, 8, 1, "shift")],
                         ids=["transposed", "phases", "shift-stack"])
def test_conv_backward_memory_is_bounded_and_released(cin, cout, stride, strategy, cache,
                                                      monkeypatch):
    """The full im2col of this call would need 9 * 1 MiB per side; with a 1 MiB workspace
    (and 1 MiB stacks) the peak stays near the results, and what outlives the call is at
    most CACHE_BYTES."""
    spec = conv((32, 32), 3, stride, 1, cin=cin, cout=cout, batch=16)
    # transposed: im2col, whatever the shift strategy's limits (it would take this layer)
    limits = IM2COL_FORCED if strategy == "transposed" else {}
    with mock.patch.multiple(conv_rules, **limits) if limits else contextlib.nullcontext():
        module, _ = conv_module_for(spec)
    assert f'strategy "{strategy}"' in module.__doc__
    monkeypatch.setattr(module, "WORKSPACE_BYTES", 2**20)
    monkeypatch.setattr(module, "STACK_BLOCK_BYTES", 2**20, raising=False)
    monkeypatch.setattr(module, "CACHE_BYTES", cache)
    monkeypatch.setattr(module, "_scratch", {})
    x, w, _, dy = random_problem(spec)
    full_columns = cin * 9 * dy.shape[0] * int(np.prod(dy.shape[2:])) * x.itemsize
    assert full_columns >= 9 * 2**20 // stride**2
    for _ in range(3):
        results, peak, kept = traced_call(module.backward, dy, x, w)
        assert peak < results + 3 * 2**20, (peak, results)
        assert kept < cache + 2**16, kept
        assert sum(entry[0].nbytes for entry in module._scratch.values()) <= cache


@pytest.mark.parametrize("cin, cout, stride, strategy",
                         [(8, 16, 2, "phases"), (1, 8, 1, "shift")], ids=["phases", "shift"])
def test_forward_and_backward_in_turns_keep_at_most_the_cache(cin, cout, stride, strategy,
                                                              monkeypatch):
    """A forward and a backward in turns (a training step) leave at most CACHE_BYTES cached
    between them: each call counts what the other pass left in the cache."""
    spec = conv((20, 20), 3, stride, 1, cin=cin, cout=cout, batch=16)
    module, _ = conv_module_for(spec)
    assert f'strategy "{strategy}"' in module.__doc__
    monkeypatch.setattr(module, "WORKSPACE_BYTES", 2**18)
    monkeypatch.setattr(module, "CACHE_BYTES", 2**18)
    monkeypatch.setattr(module, "_scratch", {})
    x, w, _, dy = random_problem(spec)
    for _ in range(3):
        module.forward(x, w)
        module.backward(dy, x, w)
        assert 0 < sum(entry[0].nbytes for entry in module._scratch.values()) <= 2**18


def test_conv_module_is_safe_to_call_from_several_threads():
    """Each call takes the cached scratch for itself: concurrent calls agree with serial ones."""
    spec = conv((12, 12), 3, 1, 1, cin=4, cout=4, batch=4)
    module, _ = conv_module_for(spec)
    problems = [random_problem(spec, seed=seed) for seed in range(8)]
    serial = [module.backward(dy, x, w) for x, w, _, dy in problems]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(5):
            parallel = list(pool.map(lambda p: module.backward(p[3], p[0], p[1]), problems))
            for got, want in zip(parallel, serial):
                for a, b in zip(got, want):
                    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------ #9.18: PyTorch's semantics

SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 2.0])


def nasty(shape, seed, fraction=0.3, dtype=np.float64):
    """Small integers (many ties) with NaN, +-inf and signed zeros sprinkled in."""
    rng = np.random.default_rng(seed)
    array = rng.integers(-3, 4, shape).astype(dtype)
    mask = rng.random(shape) < fraction
    array[mask] = rng.choice(SPECIALS, mask.sum())
    return array


def assert_same(got, want, dtype):
    """Equal values, NaN where NaN, infinities with their signs, and the expected dtype."""
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-12,
                               atol=1e-6 if dtype == np.float32 else 1e-12, equal_nan=True)


def relu_backward_reference(dy, x):
    """torch's threshold_backward: ``0 if x <= 0 else dy``, element by element."""
    dx = np.empty_like(dy)
    for index in np.ndindex(*x.shape):
        dx[index] = 0 if x[index] <= 0 else dy[index]
    return dx


RELU = "--layer relu --input 4x5 --in-channels 2 --batch 2"


def test_relu_nan_and_inf_follow_torch():
    """Values torch 2.13 gives for relu(x).backward(dy)."""
    module = layer_module(RELU)
    x = np.array([-1.0, -1.0, 0.0, 1.0, np.nan, np.nan, -np.inf, np.inf], dtype=np.float32)
    dy = np.array([np.nan, np.inf, np.nan, 2.0, 3.0, np.nan, 5.0, 6.0], dtype=np.float32)
    dx = module.backward(dy, x)
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(dx, [0.0, 0.0, 0.0, 2.0, 3.0, np.nan, 0.0, 6.0])
    np.testing.assert_array_equal(module.forward(x), [0, 0, 0, 1, np.nan, np.nan, 0, np.inf])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_relu_matches_the_reference_on_non_finite_values(dtype):
    module = layer_module(RELU)
    for seed in range(5):
        x, dy = nasty((2, 2, 4, 5), seed, dtype=dtype), nasty((2, 2, 4, 5), seed + 50,
                                                             dtype=dtype)
        assert_same(module.backward(dy, x), relu_backward_reference(dy, x), dtype)


def maxpool_reference(dy, x, kernel, stride, padding, dilation):
    """torch's CPU max-pooling scan: the window's taps inside the input in row-major order,
    starting from the first; a tap takes over when larger than the current one or NaN."""
    out_size, windows = loop_reference.pool_reads(x.shape[2:], kernel, stride, padding,
                                                  dilation)
    out = np.empty(x.shape[:2] + out_size, x.dtype)
    dx = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i, positions in windows.items():
                inside = [(n, c, *u) for u in positions
                          if all(0 <= v < m for v, m in zip(u, x.shape[2:]))]
                best = inside[0]
                for u in inside[1:]:
                    if x[u] > x[best] or np.isnan(x[u]):
                        best = u
                out[(n, c, *i)] = x[best]
                dx[best] += dy[(n, c, *i)]
    return out, dx


MAXPOOLS = {
    "2d-padded": "--layer maxpool --input 7x6 --kernel 3 --stride 2 --padding 1",
    "1d-dilated": "--layer maxpool --input 11 --kernel 3 --stride 2 --dilation 2 --padding 0:1",
    "3d-padded": "--layer maxpool --input 5x4x4 --kernel 2 --stride 1 --padding 1",
    "2d-k2": "--layer maxpool --input 4x4 --kernel 2",
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("key", sorted(MAXPOOLS))
def test_maxpool_matches_the_torch_scan_on_nan_inf_and_ties(key, dtype):
    module = layer_module(MAXPOOLS[key])
    _, spec = from_arguments(MAXPOOLS[key])
    w = spec.window
    for seed in range(6):
        x = nasty((2, 2, *spec.input_shape[2:]), seed, fraction=(0.1, 0.5, 0.9)[seed % 3],
                  dtype=dtype)
        if seed == 5:
            x[...] = -np.inf
        out = module.forward(x)
        dy = np.random.default_rng(seed).standard_normal(out.shape).astype(dtype)
        want_out, want_dx = maxpool_reference(dy, x, w.kernel, w.stride, w.padding, w.dilation)
        assert_same(out, want_out, dtype)
        assert_same(module.backward(dy, x), want_dx, dtype)


def test_maxpool_nan_and_minus_inf_windows_follow_torch():
    """Values torch 2.13 gives: the last NaN of a window wins; all -inf windows route to
    their first entry inside the input, never into the padding (whose share would be lost)."""
    module = layer_module("--layer maxpool --input 4x4 --kernel 2")
    x = np.array([[1.0, np.nan, np.nan, 1.0], [2.0, np.nan, 2.0, np.nan],
                  [1.0, 3.0, np.nan, np.nan], [3.0, 2.0, np.nan, np.nan]])[None, None]
    dx = module.backward(np.ones((1, 1, 2, 2)), x)
    np.testing.assert_array_equal(dx[0, 0], [[0, 0, 0, 0], [0, 1, 0, 1],
                                             [0, 1, 0, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(module.forward(x)[0, 0], [[np.nan, np.nan], [3, np.nan]])
    padded = layer_module("--layer maxpool --input 3x3 --kernel 3 --stride 2 --padding 1")
    x = np.full((1, 1, 3, 3), -np.inf, dtype=np.float32)
    dy = np.arange(1.0, 5.0, dtype=np.float32).reshape(1, 1, 2, 2)
    dx = padded.backward(dy, x)
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(dx[0, 0], [[1, 2, 0], [3, 4, 0], [0, 0, 0]])
    np.testing.assert_array_equal(padded.forward(x), np.full((1, 1, 2, 2), -np.inf))


def softmax_ce_reference(z, y):
    """(loss, dz) row by row: torch's cross_entropy for class indices or probabilities."""
    batch, classes = z.shape
    loss, dz = 0.0, np.zeros_like(z)
    for n in range(batch):
        top = max(z[n])
        total = sum(np.exp(v - top) for v in z[n])
        log_p = [v - top - np.log(total) for v in z[n]]
        if y.ndim == 1:
            loss -= log_p[y[n]]
            targets = [1.0 if c == y[n] else 0.0 for c in range(classes)]
        else:
            loss -= sum(y[n, c] * log_p[c] for c in range(classes))
            targets = list(y[n])
        mass = sum(targets)
        for c in range(classes):
            dz[n, c] = (np.exp(log_p[c]) * mass - targets[c]) / batch
    return loss / batch, dz


SOFTMAX = "--layer softmax-ce --classes 4"


def test_softmax_ce_minus_inf_logit_with_index_targets_is_finite_like_torch():
    """torch 2.13: cross_entropy([[-inf, 1, 2], [0, 0, 0]], [1, 2]) = 1.2059369..."""
    module = layer_module("--layer softmax-ce --classes 3")
    z = np.array([[-np.inf, 1.0, 2.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    y = np.array([1, 2])
    loss = module.forward(z, y)
    assert loss.dtype == np.float32 and np.isclose(loss, 1.2059369)
    np.testing.assert_allclose(module.backward(z, y),
                               [[0.0, -0.36552930, 0.36552930], [1 / 6, 1 / 6, -1 / 3]],
                               rtol=1e-6)
    assert module.forward(z, np.array([0, 2])) == np.inf  # the target itself at -inf


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("targets", ["indices", "probabilities", "sparse-probabilities"])
def test_softmax_ce_matches_the_reference_with_minus_inf_logits(targets, dtype):
    module = layer_module(SOFTMAX)
    for seed in range(8):
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((5, 4)).astype(dtype)
        z[rng.random(z.shape) < 0.25] = -np.inf
        if targets == "indices":
            y = rng.integers(0, 4, 5)
        else:
            y = rng.dirichlet(np.ones(4), 5).astype(dtype)
            if targets == "sparse-probabilities":
                y[rng.random(y.shape) < 0.5] = 0
        with np.errstate(invalid="ignore"):
            want_loss, want_dz = softmax_ce_reference(z.astype(np.float64), y)
            loss = module.forward(z, y)
        assert loss.dtype == dtype
        assert_same(np.array(loss), np.array(want_loss, dtype=dtype), dtype)
        assert_same(module.backward(z, y), want_dz.astype(dtype), dtype)


# ------------------------------------------------------------ #9.19: unnormalised targets


def test_softmax_ce_targets_that_do_not_sum_to_one_use_torchs_formula():
    """dz = (p * sum(y) - y) / N, the exact derivative of the loss for any y (checked by
    central differences), which torch's cross_entropy uses too."""
    module = layer_module(SOFTMAX)
    rng = np.random.default_rng(7)
    z = rng.standard_normal((3, 4)) * 2
    y = rng.random((3, 4)) * np.array([[0.5], [1.7], [0.0]])  # row sums 0.x, 1.x and 0
    assert not np.allclose(y.sum(axis=1), 1)
    want_loss, want_dz = softmax_ce_reference(z, y)
    assert np.isclose(module.forward(z, y), want_loss, rtol=1e-12)
    dz = module.backward(z, y)
    np.testing.assert_allclose(dz, want_dz, rtol=1e-12, atol=1e-15)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert np.abs(dz - (p - y) / 3).max() > 0.05  # the sum-to-one shortcut would differ
    for flat in range(z.size):
        bumped = z.copy()
        bumped.flat[flat] += 1e-6
        up = module.forward(bumped, y)
        bumped.flat[flat] -= 2e-6
        assert np.isclose((up - module.forward(bumped, y)) / 2e-6, dz.flat[flat],
                          rtol=1e-6, atol=1e-9)


# ------------------------------------------------------------ #9.18: conv with inf / NaN

NON_FINITE_CONVS = {
    "transposed": conv((6, 6), 3, 1, 1, cin=3, cout=2, batch=2),
    "transposed-dilated-groups": conv((8, 8), 3, 1, 2, 2, cin=4, cout=4, groups=2, batch=2),
    "transposed-1d-crop": conv((5,), 2, 1, ((3, 2),), cin=2, cout=2, batch=2),
    "col2im": conv((7, 7), 3, 2, 1, cin=2, cout=3, batch=2),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("where", ["w", "dy"])
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("key", sorted(NON_FINITE_CONVS))
def test_conv_dx_with_inf_or_nan_sums_only_the_layers_products(key, value, where, dtype):
    """dX from both strategies equals the loop reference, which adds exactly the products
    w * dy the layer has: inf stays inf where it lands and NaN appears only from real
    inf * 0, inf - inf or NaN (the padding of dy is never multiplied with w)."""
    spec = NON_FINITE_CONVS[key]
    assert input_gradient_strategy(spec) == key.split("-")[0]
    module, _ = conv_module_for(spec)
    for seed in range(3):
        x, w, _, dy = random_problem(spec, dtype, seed)
        rng = np.random.default_rng(seed + 10)
        target = w if where == "w" else dy
        target[tuple(rng.integers(0, n) for n in target.shape)] = value
        with np.errstate(invalid="ignore"):
            dx, _, _ = module.backward(dy, x, w)
        want, _, _ = loop_reference.conv_backward(dy.astype(np.float64), x.astype(np.float64),
                                                  w.astype(np.float64), *geometry(spec))
        assert_same(dx, want.astype(dtype), dtype)
        assert not np.isnan(dx).all()
