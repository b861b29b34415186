"""The derived polynomials of every layer, evaluated at random points, equal what the
generated module computes: the symbolic gradient and the code are the same function."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.algebra.polynomial import evaluate
from symconv.layers.pool.maxpool import indicator, window_args
from symconv.layers.relu.maths import region
from symconv.render.artifacts import generate
from tests.generated_modules import import_source

CASES = {
    "conv": ("conv", {"input": (5, 4), "kernel": 3, "stride": 2, "padding": ((1, 0), 1),
                      "in_channels": 2, "out_channels": 2, "batch": 2}),
    "linear": ("linear", {"in_features": 4, "out_features": 3, "batch": 2}),
    "avgpool": ("avgpool", {"input": (5, 5), "kernel": 3, "stride": 2, "padding": 1,
                            "count_include_pad": False}),
    "maxpool": ("maxpool", {"input": (5, 5), "kernel": 3, "stride": 2, "padding": 1}),
    "relu": ("relu", {"input": (3, 4), "in_channels": 2}),
}


def values_of(array, numbers) -> dict:
    return {symbol: float(numbers[index]) for symbol, index in array.index_of.items()}


@pytest.mark.parametrize("key", sorted(CASES))
def test_derived_polynomials_at_random_points_equal_the_module(key):
    layer, options = CASES[key]
    d = symconv.derive(layer, **options)
    module = import_source(generate(d.layer, d.spec)[0], f"evaluation_{key}")
    rng = np.random.default_rng(7)
    inputs = {name: rng.standard_normal(array.shape) for name, array in d.forward.inputs.items()}
    g = rng.standard_normal(d.forward.upstream.shape)
    values = values_of(d.forward.upstream, g)
    for name, array in d.forward.inputs.items():
        values.update(values_of(array, inputs[name]))
    x = inputs["X"]
    if layer == "relu":
        for symbol, index in d.forward.inputs["X"].index_of.items():
            values[region(symbol, ">")] = float(x[index] > 0)
            values[region(symbol, "<")] = float(x[index] < 0)
    if layer == "maxpool":
        for index, output in np.ndenumerate(d.forward.output):
            entries = window_args(output)
            best = max(entries, key=lambda e: values[e])
            for entry in entries:
                values[indicator(d.forward.upstream[index], entry)] = float(entry is best)
    if "W" in inputs:
        got = dict(zip(("X", "W", "b"), module.backward(g, x, inputs["W"])))
    else:
        got = {"X": module.backward(g, x)}
    for name, gradient in d.gradients.items():
        want = np.vectorize(lambda poly: evaluate(poly, values), otypes=[float])(gradient)
        np.testing.assert_allclose(got[name], want, rtol=1e-12, atol=1e-12, err_msg=name)


def test_softmax_derived_gradient_at_random_points_equals_the_module():
    d = symconv.derive("softmax-ce", classes=4, batch=2)
    module = import_source(generate(d.layer, d.spec)[0], "evaluation_softmax")
    rng = np.random.default_rng(3)
    z = rng.standard_normal((2, 4))
    y = rng.integers(0, 4, 2)
    onehot = np.eye(4)[y]
    values = {**values_of(d.forward.inputs["Z"], z), **values_of(d.forward.inputs["Y"], onehot)}
    want = np.vectorize(lambda e: float(e.xreplace({k: sympy.Float(v) for k, v in
                                                    values.items()})), otypes=[float])(
        d.gradients["Z"])
    np.testing.assert_allclose(module.backward(z, y), want, rtol=1e-10, atol=1e-12)


@st.composite
def pool_options(draw):
    """A small valid pooling layer: 1-d or 2-d, any window, stride, padding, dilation."""
    rank = draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    padding = tuple((draw(st.integers(0, s // 2)), draw(st.integers(0, s // 2))) for s in spans)
    size = tuple(draw(st.integers(max(1, s - lo - hi), 6)) for s, (lo, hi) in zip(spans, padding))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    return {"input": size, "kernel": kernel, "stride": stride, "padding": padding,
            "dilation": dilation}


@settings(max_examples=15, deadline=None)
@given(pool_options(), st.sampled_from(["maxpool", "avgpool"]))
def test_every_valid_pooling_layer_is_proven(options, layer):
    if layer == "avgpool":
        options = {**options, "dilation": 1}
    try:
        d = symconv.derive(layer, **options)
    except symconv.SpecError as error:   # a window reading only padding is refused, by name
        assert str(error).startswith(("--dilation", "--padding"))
        return
    assert d.proven, d.report()


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(1, 2))
def test_every_relu_shape_is_proven(shape, channels):
    assert symconv.derive("relu", input=tuple(shape), in_channels=channels).proven
