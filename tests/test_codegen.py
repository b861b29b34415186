"""Generated NumPy modules: checked against the derivation, finite differences, the adjoint
(dot) test, the loop reference and torch's conventions, in float32 and float64."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings

from symconv.algebra.polynomial import evaluate
from symconv.layers.conv.layer import LAYER as CONV
from symconv.layers.conv.module import input_gradient_strategy
from symconv.render.artifacts import generate
from tests import loop_reference
from tests.conftest import AWKWARD, conv
from tests.generated_modules import geometry, module_for, random_problem
from tests.test_prove import conv_specs


def test_derived_gradients_equal_generated_code(awkward_spec):
    """The symbolic dL/dX, dL/dW, dL/db evaluated at random points match backward()."""
    module, derivation = module_for(awkward_spec)
    x, w, _, dy = random_problem(awkward_spec, np.float64)
    forward = derivation.forward
    values = {}
    for array, data in ((forward.inputs["X"], x), (forward.inputs["W"], w),
                        (forward.upstream, dy)):
        values.update(zip(array.entries.flat, data.flat))
    got = dict(zip("XWb", module.backward(dy, x, w)))
    for name, gradient in derivation.gradients.items():
        expected = np.array([evaluate(p, values) for p in gradient.flat]).reshape(gradient.shape)
        np.testing.assert_allclose(got[name], expected, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_matches_loop_reference(awkward_spec, dtype, tolerance):
    module, _ = module_for(awkward_spec)
    x, w, b, dy = random_problem(awkward_spec, dtype, seed=1)
    out = module.forward(x, w, b)
    assert out.dtype == dtype
    reference = loop_reference.conv_forward(x.astype(np.float64), w.astype(np.float64),
                                            b.astype(np.float64), *geometry(awkward_spec))
    np.testing.assert_allclose(out, reference, rtol=tolerance, atol=tolerance)
    expected = loop_reference.conv_backward(dy.astype(np.float64), x.astype(np.float64),
                                            w.astype(np.float64), *geometry(awkward_spec))
    for got, want, name in zip(module.backward(dy, x, w), expected, ("dx", "dw", "db")):
        assert got.dtype == dtype and got.shape == want.shape, name
        np.testing.assert_allclose(got, want, rtol=tolerance, atol=tolerance, err_msg=name)


def test_dot_test(awkward_spec):
    """The adjoint identities <forward(x, w), g> = <x, dx(g)> = <w, dw(g)> (no bias)."""
    module, _ = module_for(awkward_spec)
    x, w, _, g = random_problem(awkward_spec, np.float64, seed=2)
    pairing = np.vdot(module.forward(x, w), g)
    dx, dw, _ = module.backward(g, x, w)
    assert np.isclose(pairing, np.vdot(x, dx), rtol=1e-12)
    assert np.isclose(pairing, np.vdot(w, dw), rtol=1e-12)


def test_central_finite_differences(awkward_spec):
    module, _ = module_for(awkward_spec)
    x, w, b, g = random_problem(awkward_spec, np.float64, seed=3)

    def loss(x_, w_, b_):
        return np.vdot(module.forward(x_, w_, b_), g)

    dx, dw, db = module.backward(g, x, w)
    rng = np.random.default_rng(4)
    h = 1e-6
    for array, grad, place in ((x, dx, 0), (w, dw, 1), (b, db, 2)):
        for flat in rng.choice(array.size, size=min(5, array.size), replace=False):
            args = [x.copy(), w.copy(), b.copy()]
            args[place].flat[flat] += h
            up = loss(*args)
            args[place].flat[flat] -= 2 * h
            down = loss(*args)
            assert np.isclose((up - down) / (2 * h), grad.flat[flat], rtol=1e-6, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(conv_specs())
def test_any_valid_spec_matches_the_loops(spec):
    module, derivation = module_for(spec)
    assert derivation.proven
    x, w, b, dy = random_problem(spec, np.float64)
    expected = loop_reference.conv_backward(dy, x, w, *geometry(spec))
    for got, want in zip(module.backward(dy, x, w), expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_one_module_serves_other_input_sizes():
    """Spatial and batch sizes come from the arrays, leftover rows included."""
    spec = conv((5, 5), 3, 2, 1, cin=2, cout=3)
    module, _ = module_for(spec)
    for size, batch in (((6, 9), 3), ((3, 4), 1), ((12, 7), 2)):
        other = conv(size, 3, 2, 1, cin=2, cout=3, batch=batch)
        x, w, b, dy = random_problem(other, np.float64)
        expected = loop_reference.conv_backward(dy, x, w, *geometry(other))
        for got, want in zip(module.backward(dy, x, w), expected):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_both_input_gradient_strategies_are_exercised():
    strategies = {input_gradient_strategy(spec) for spec in AWKWARD.values()}
    assert strategies == {"transposed", "col2im"}


def test_workspace_reuse_does_not_leak_between_calls():
    """A second call with other values (same shapes) gives that call's answer."""
    spec = conv((6, 6), 3, 2, 1, cin=2, cout=2, batch=2)
    module, _ = module_for(spec)
    first = random_problem(spec, np.float64, seed=5)
    second = random_problem(spec, np.float64, seed=6)
    results = [module.backward(p[3], p[0], p[1]) for p in (first, second, first)]
    for a, b in zip(results[0], results[2]):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(results[0][0], results[1][0])


BAD_CALLS = {
    "x-channels": (lambda x, w, dy: (dy, x[:, :1], w), "x: expected shape (N, 2, H, W), got"),
    "w-shape": (lambda x, w, dy: (dy, x, w[:, :, :2]),
                "w: expected shape (3, 2, 3, 3), got (3, 2, 2, 3)"),
    "dy-shape": (lambda x, w, dy: (dy[:, :, 1:], x, w), "dy: expected shape (2, 3, 3, 3), got"),
    "dtype-mix": (lambda x, w, dy: (dy, x, w.astype(np.float32)),
                  "w: expected dtype float64, got float32"),
    "int-input": (lambda x, w, dy: (dy, x.astype(np.int64), w), "x: expected dtype float32"),
    "too-small": (lambda x, w, dy: (dy, x[:, :, :0, :0], w), "x: spatial shape (0, 0)"),
}


@pytest.mark.parametrize("make, message", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_bad_arrays_raise_value_error(make, message):
    spec = conv((5, 5), 3, 2, 1, cin=2, cout=3, batch=2)
    module, _ = module_for(spec)
    x, w, _, dy = random_problem(spec, np.float64)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        module.backward(*make(x, w, dy))


def test_source_is_deterministic_and_passes_ruff(tmp_path):
    spec = conv((7, 7), 3, 2, ((0, 1), (1, 0)), 1, cin=4, cout=6, groups=2)
    first, _ = generate(CONV, spec)
    assert generate(CONV, spec)[0] == first
    path = tmp_path / "conv.py"
    path.write_text(first)
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", str(path)],
                          capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout


def test_generated_module_imports_numpy_only():
    source, _ = generate(CONV, conv((4,), 2, 1, 0))
    imports = [line for line in source.splitlines() if line.startswith(("import", "from"))]
    assert imports == ["import numpy as np"]


def test_codegen_command_writes_an_importable_module(tmp_path):
    target = tmp_path / "out" / "conv.py"
    process = subprocess.run(
        [sys.executable, "-m", "symconv", "codegen", "--input", "32x32", "--kernel", "3x3",
         "--stride", "2", "--padding", "1", "--in-channels", "16", "--out-channels", "32",
         "-o", str(target)], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    check = subprocess.run(
        [sys.executable, "-c", "import conv, numpy as np; "
         "x = np.ones((2, 16, 32, 32), np.float32); w = np.ones((32, 16, 3, 3), np.float32); "
         "y = conv.forward(x, w); dx, dw, db = conv.backward(y, x, w); "
         "print(y.shape, dx.dtype, dw.shape, db.shape)"],
        cwd=target.parent, capture_output=True, text=True)
    assert check.stdout.strip() == "(2, 32, 16, 16) float32 (32, 16, 3, 3) (32,)", check.stderr
