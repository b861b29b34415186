"""Generated modules as a caller uses them: results that stay put, bounded memory, and the
numerical semantics of PyTorch for NaN, inf and unnormalised targets (issue #9).

References are small NumPy loops written here; torch is not needed.
"""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

from symconv.codegen import input_gradient_strategy
from symconv.options import spec_from_arguments
from symconv.render import generate
from tests import loop_reference
from tests.conftest import conv
from tests.generated_modules import import_source
from tests.generated_modules import module_for as conv_module_for

_LAYERS: dict = {}


def layer_module(options):
    """The generated module for command-line ``options`` (any layer), generated once."""
    if options not in _LAYERS:
        layer, spec = spec_from_arguments(options)
        source, derivation = generate(layer, spec)
        assert derivation.proven
        _LAYERS[options] = import_source(source, f"semantics_{len(_LAYERS)}")
    return _LAYERS[options]


def conv_problem(spec, dtype=np.float64, seed=0, batch=None):
    rng = np.random.default_rng(seed)
    batch = spec.batch if batch is None else batch
    x = rng.standard_normal((batch, *spec.input_shape[1:])).astype(dtype)
    w = rng.standard_normal(spec.weight_shape).astype(dtype)
    b = rng.standard_normal(spec.out_channels).astype(dtype)
    dy = rng.standard_normal((batch, *spec.output_shape[1:])).astype(dtype)
    return x, w, b, dy


def geometry(spec):
    w = spec.window
    return w.stride, w.padding, w.dilation, spec.groups


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
        monkeypatch.setattr(module, "WORKSPACE_BYTES", workspace)
    one, two = conv_problem(spec, seed=1), conv_problem(spec, seed=2)
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
        "x": lambda: rng.standard_normal((batch, 5) if layer == "linear" else spec.input_shape),
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
    layer, spec = spec_from_arguments(options)

    def inputs(seed):
        return layer_inputs(layer, spec, names, seed)

    one, two = inputs(1), inputs(2)
    if layer == "softmax-ce":
        assert_results_stay_put(module.backward, one, two)
        assert_results_stay_put(module.forward, one, two)
        return
    out_one, out_two = assert_results_stay_put(module.forward, one, two)
    dy_one = np.random.default_rng(3).standard_normal(out_one[0].shape)
    dy_two = np.random.default_rng(4).standard_normal(out_two[0].shape)
    if layer == "linear":
        assert_results_stay_put(module.backward, (dy_one, one[0], one[1]),
                                (dy_two, two[0], two[1]))
    else:
        assert_results_stay_put(module.backward, (dy_one, one[0]), (dy_two, two[0]))


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


@pytest.mark.parametrize("cin, cout, stride", [(8, 8, 1), (8, 16, 2)],
                         ids=["transposed", "col2im"])
def test_conv_backward_memory_is_bounded_and_released(cin, cout, stride, monkeypatch):
    """The full im2col of this call would need 9 * 1 MiB per side; with a 1 MiB workspace
    the peak stays near the results and nothing large outlives the call."""
    spec = conv((32, 32), 3, stride, 1, cin=cin, cout=cout, batch=16)
    module, _ = conv_module_for(spec)
    monkeypatch.setattr(module, "WORKSPACE_BYTES", 2**20)
    x, w, _, dy = conv_problem(spec)
    full_columns = cin * 9 * dy.shape[0] * int(np.prod(dy.shape[2:])) * x.itemsize
    assert full_columns >= 9 * 2**20 // stride**2
    for _ in range(2):
        results, peak, kept = traced_call(module.backward, dy, x, w)
        assert peak < results + 3 * 2**20, (peak, results)
        assert kept < 2**16, kept
