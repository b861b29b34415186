"""ReLU, pooling, fully connected and softmax + cross-entropy: proofs, planted errors,
generated modules (finite differences, loop references, dtypes) and bad options."""

from __future__ import annotations

import numpy as np
import pytest

from symconv.algebra.polynomial import monomial
from symconv.algebra.verbs import empty_polynomials, matmul
from symconv.catalogue import from_arguments
from symconv.cli import main
from symconv.engine.contract import Identity
from symconv.engine.pipeline import run
from symconv.engine.prove import check
from symconv.layers.pool.maxpool import indicator
from symconv.layers.registry import LAYERS
from symconv.layers.relu.maths import region
from symconv.render.artifacts import generate
from tests import loop_reference
from tests.generated_modules import import_source
from tests.generated_modules import module_from_arguments as module_for

PROVEN = {
    "relu-2d": "--layer relu --input 3x4 --in-channels 2",
    "relu-1d-batch": "--layer relu --input 5 --batch 2",
    "relu-3d": "--layer relu --input 2x2x3",
    "maxpool-classic": "--layer maxpool --input 4x4 --kernel 2",
    "maxpool-overlap-pad": "--layer maxpool --input 6x6 --kernel 3 --stride 2 --padding 1",
    "maxpool-stride1-overlap": "--layer maxpool --input 5x5 --kernel 3 --stride 1 --padding 1",
    "maxpool-dilated-1d": "--layer maxpool --input 9 --kernel 3 --stride 2 --dilation 2",
    "maxpool-asym-leftover": "--layer maxpool --input 7x6 --kernel 2x3 --stride 2 "
                             "--padding 0:1x1:0",
    "maxpool-3d": "--layer maxpool --input 4x4x4 --kernel 2 --in-channels 2",
    "avgpool-classic": "--layer avgpool --input 4x4 --kernel 2",
    "avgpool-pad-include": "--layer avgpool --input 5x5 --kernel 3 --stride 2 --padding 1",
    "avgpool-pad-exclude": "--layer avgpool --input 5x5 --kernel 3 --stride 2 --padding 1 "
                           "--no-count-include-pad",
    "avgpool-overlap-1d": "--layer avgpool --input 8 --kernel 3 --stride 1 --padding 0:1",
    "avgpool-3d-leftover": "--layer avgpool --input 5x4x4 --kernel 2 --stride 2",
    "linear": "--layer linear --in-features 4 --out-features 3 --batch 2",
    "linear-single": "--layer linear --in-features 1 --out-features 1",
    "softmax-ce": "--layer softmax-ce --classes 3",
    "softmax-ce-batch": "--layer softmax-ce --classes 4 --batch 2",
}


@pytest.fixture(scope="module")
def derivations():
    return {}


def derivation_for(cache, options):
    if options not in cache:
        cache[options] = run(*from_arguments(options))
    return cache[options]


@pytest.mark.parametrize("options", PROVEN.values(), ids=PROVEN.keys())
def test_layer_is_proven(options, derivations):
    derivation = derivation_for(derivations, options)
    assert derivation.results and derivation.proven, [r.as_dict() for r in derivation.results]
    for result in derivation.results:
        assert result.elements == derivation.derived[result.wrt].size


def replaced(derivation, index, closed, **changes):
    identity = derivation.identities[index]
    fields = {"name": identity.name, "wrt": identity.wrt, "statement": "planted",
              "formula": identity.formula, "closed": closed, "method": identity.method,
              "equal": identity.equal}
    fields.update(changes)
    return check(Identity(**fields), derivation.gradients[identity.wrt])


def test_relu_mask_of_the_wrong_sign_is_rejected(derivations):
    derivation = derivation_for(derivations, PROVEN["relu-2d"])
    wrong = empty_polynomials(derivation.identities[0].closed.shape)
    for index, g in np.ndenumerate(derivation.forward.upstream.entries):
        wrong[index][monomial(g, region(derivation.forward.inputs["X"][index], "<"))] = 1
    assert not replaced(derivation, 0, wrong).proven


def test_maxpool_routing_to_the_wrong_entry_is_rejected(derivations):
    derivation = derivation_for(derivations, PROVEN["maxpool-classic"])
    identity = derivation.identities[0]
    x = derivation.forward.inputs["X"]
    wrong = empty_polynomials(identity.closed.shape)
    for index, entries in np.ndenumerate(identity.parts["windows"]):
        g = derivation.forward.upstream[index]
        for k, entry in enumerate(entries):
            # the gradient of the case "entry k is the maximum" lands on entry k + 1
            target = entries[(k + 1) % len(entries)]
            wrong[x.index_of[target]][monomial(g, indicator(g, entry))] = 1
    result = replaced(derivation, 0, wrong)
    assert not result.proven and "max" in result.mismatch.derived


def test_avgpool_wrong_divisor_is_rejected(derivations):
    right = derivation_for(derivations, PROVEN["avgpool-pad-include"])
    other = derivation_for(derivations, PROVEN["avgpool-pad-exclude"])
    assert not check(other.identities[0], right.gradients["X"]).proven


def test_linear_without_the_batch_sum_is_rejected(derivations):
    derivation = derivation_for(derivations, PROVEN["linear"])
    x = derivation.forward.inputs["X"].entries
    g = derivation.forward.upstream.entries
    assert not replaced(derivation, 1, matmul(g[:1].T, x[:1])).proven


def test_softmax_gradient_without_the_mean_is_rejected(derivations):
    derivation = derivation_for(derivations, PROVEN["softmax-ce-batch"])
    identity = derivation.identities[1]
    assert identity.name == "dZ"
    assert not replaced(derivation, 1, identity.closed * 2).proven


def test_softmax_needs_the_targets_to_sum_to_one(derivations):
    """Without substituting sum(Y) = 1 the closed form is not the derivative."""
    import sympy

    derivation = derivation_for(derivations, PROVEN["softmax-ce"])
    z = derivation.forward.inputs["Z"]
    positive = {z[0, c]: sympy.log(sympy.Symbol(f"E{c}", positive=True)) for c in range(3)}

    def without_constraint(left, right):
        return sympy.cancel((left - right).xreplace(positive)) == 0
    assert not replaced(derivation, 1, derivation.identities[1].closed,
                        equal=without_constraint).proven


def test_relu_derivative_comes_from_sympy():
    """The derivation differentiates Max(X, 0) itself (Heaviside), not the closed form."""
    layer = LAYERS["relu"]
    _, spec = from_arguments("--layer relu --input 2")
    forward = layer.symbolic_forward(spec)
    from symconv.engine.derive import derive_expressions
    chain = derive_expressions(forward)["X"]
    assert "Heaviside" in str(chain[0, 0, 0])


# ---------------------------------------------------------------- generated modules

MODULES = {
    "relu": "--layer relu --input 4x5 --in-channels 2 --batch 2",
    "maxpool": "--layer maxpool --input 7x6 --kernel 3 --stride 2 --padding 1",
    "maxpool-dilated-1d": "--layer maxpool --input 11 --kernel 3 --stride 2 --dilation 2 "
                          "--padding 0:1",
    "maxpool-3d": "--layer maxpool --input 5x4x4 --kernel 2 --stride 1",
    "avgpool": "--layer avgpool --input 7x6 --kernel 3 --stride 2 --padding 1",
    "avgpool-exclude": "--layer avgpool --input 7x6 --kernel 3 --stride 2 --padding 1 "
                       "--no-count-include-pad",
    "avgpool-1d": "--layer avgpool --input 9 --kernel 4 --stride 3 --padding 2:1",
    "linear": "--layer linear --in-features 5 --out-features 3",
    "softmax-ce": "--layer softmax-ce --classes 4",
}


def pooled_input(spec, dtype, seed=0):
    """Random input with distinct values (no ties, so finite differences are smooth)."""
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.prod(spec.input_shape)).reshape(spec.input_shape) / 7.0
    return x.astype(dtype)


@pytest.mark.parametrize("key", [k for k in MODULES if "pool" in k])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pool_module_matches_loops(key, dtype):
    module, spec = module_for(MODULES[key])
    x = pooled_input(spec, dtype)
    out = module.forward(x)
    assert out.dtype == dtype and out.shape == spec.output_shape
    dy = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    w = spec.window
    if spec.layer == "maxpool":
        want = loop_reference.maxpool_backward(dy, x, w.kernel, w.stride, w.padding,
                                               w.dilation)
    else:
        want = loop_reference.avgpool_backward(dy, x, w.kernel, w.stride, w.padding,
                                               spec.count_include_pad)
    got = module.backward(dy, x)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def central_difference(function, array, flat, h=1e-6):
    bumped = array.copy()
    bumped.flat[flat] += h
    up = function(bumped)
    bumped.flat[flat] -= 2 * h
    return (up - function(bumped)) / (2 * h)


@pytest.mark.parametrize("key", [k for k in MODULES if k not in ("linear", "softmax-ce")])
def test_elementwise_and_pool_modules_match_finite_differences(key):
    module, spec = module_for(MODULES[key])
    x = pooled_input(spec, np.float64) - 0.5 * np.prod(spec.input_shape) / 7.0
    g = np.random.default_rng(2).standard_normal(module.forward(x).shape)
    dx = module.backward(g, x)
    for flat in np.random.default_rng(3).choice(x.size, size=6, replace=False):
        numeric = central_difference(lambda a: np.vdot(module.forward(a), g), x, flat)
        assert np.isclose(numeric, dx.flat[flat], rtol=1e-6, atol=1e-7)


def test_relu_uses_zero_at_zero_and_keeps_dtype():
    module, _ = module_for(MODULES["relu"])
    x = np.array([[-1.0, 0.0, 2.0]], dtype=np.float32)
    assert module.backward(np.ones_like(x), x).tolist() == [[0.0, 0.0, 1.0]]
    assert module.forward(x).dtype == np.float32


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_linear_module(dtype, tolerance):
    module, spec = module_for(MODULES["linear"])
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, spec.in_features)).astype(dtype)
    w = rng.standard_normal((spec.out_features, spec.in_features)).astype(dtype)
    b = rng.standard_normal(spec.out_features).astype(dtype)
    dy = rng.standard_normal((6, spec.out_features)).astype(dtype)
    want_y = np.array([[b[o] + sum(x[n, i] * w[o, i] for i in range(spec.in_features))
                        for o in range(spec.out_features)] for n in range(6)])
    np.testing.assert_allclose(module.forward(x, w, b), want_y, rtol=tolerance, atol=tolerance)
    dx, dw, db = module.backward(dy, x, w)
    assert dx.dtype == dw.dtype == db.dtype == dtype
    np.testing.assert_allclose(
        dx, [[sum(dy[n, o] * w[o, i] for o in range(spec.out_features))
              for i in range(spec.in_features)] for n in range(6)], rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(
        dw, [[sum(dy[n, o] * x[n, i] for n in range(6)) for i in range(spec.in_features)]
             for o in range(spec.out_features)], rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(db, dy.sum(axis=0), rtol=tolerance, atol=tolerance)
    if dtype == np.float64:
        for flat in range(0, w.size, 4):
            numeric = central_difference(lambda a: np.vdot(module.forward(x, a, b), dy), w, flat)
            assert np.isclose(numeric, dw.flat[flat], rtol=1e-6)


@pytest.mark.parametrize("targets", ["indices", "probabilities"])
def test_softmax_ce_module(targets):
    module, spec = module_for(MODULES["softmax-ce"])
    rng = np.random.default_rng(5)
    z = rng.standard_normal((5, spec.classes)) * 3
    if targets == "indices":
        y = rng.integers(0, spec.classes, 5)
        probabilities = np.eye(spec.classes)[y]
    else:
        y = rng.random((5, spec.classes))
        y /= y.sum(axis=1, keepdims=True)
        probabilities = y
    assert np.isclose(module.forward(z, y), loop_reference.softmax_ce_loss(z, probabilities))
    dz = module.backward(z, y)
    for flat in range(z.size):
        numeric = central_difference(lambda a: module.forward(a, y), z, flat)
        assert np.isclose(numeric, dz.flat[flat], rtol=1e-6, atol=1e-8)


def test_softmax_ce_is_stable_for_large_logits():
    module, _ = module_for(MODULES["softmax-ce"])
    z = np.array([[1000.0, 0.0, -1000.0, 3.0]], dtype=np.float32)
    loss = module.forward(z, np.array([1]))
    assert np.isfinite(loss) and loss.dtype == np.float32 and np.isclose(loss, 1000.0)
    assert np.all(np.isfinite(module.backward(z, np.array([0]))))


BAD_ARRAYS = {
    "pool-dy-shape": ("maxpool", lambda m, x: m.backward(np.zeros((1, 1, 1, 1)), x),
                      "dy: expected shape (1, 1, 4, 3), got (1, 1, 1, 1)"),
    "pool-rank": ("avgpool", lambda m, x: m.forward(x[0]), "x: expected shape (N, C, H, W)"),
    "relu-int": ("relu", lambda m, x: m.forward(x.astype(int)),
                 "x: expected dtype float32 or float64"),
    "linear-w": ("linear", lambda m, x: m.forward(np.zeros((2, 5)), np.zeros((5, 3))),
                 "w: expected shape (3, 5), got (5, 3)"),
    "softmax-classes": ("softmax-ce", lambda m, x: m.forward(np.zeros((2, 3)), np.array([0, 1])),
                        "z: expected shape (2, 4), got (2, 3)"),
    "softmax-index": ("softmax-ce", lambda m, x: m.forward(np.zeros((2, 4)), np.array([0, 4])),
                      "y: class indices must lie in 0..3"),
}


@pytest.mark.parametrize("layer, call, message", BAD_ARRAYS.values(), ids=BAD_ARRAYS.keys())
def test_generated_modules_refuse_bad_arrays(layer, call, message):
    module, _ = module_for(MODULES[layer])
    with pytest.raises(ValueError) as error:
        call(module, np.zeros((1, 1, 7, 6)))
    assert message in str(error.value)


# ---------------------------------------------------------------- bad options

BAD_OPTIONS = {
    "groups-on-relu": ("--layer relu --groups 2", "--groups: does not apply to --layer relu"),
    "kernel-on-linear": ("--layer linear --kernel 3", "--kernel: does not apply"),
    "dilation-on-avgpool": ("--layer avgpool --dilation 2",
                            "--dilation: does not apply to --layer avgpool"),
    "out-channels-on-maxpool": ("--layer maxpool --out-channels 3",
                                "--out-channels: does not apply"),
    "count-pad-on-maxpool": ("--layer maxpool --no-count-include-pad",
                             "--count-include-pad: does not apply to --layer maxpool"),
    "window-too-big": ("--layer maxpool --input 3x3 --kernel 4",
                       "--kernel: dilated kernel span 4 exceeds padded input 3"),
    "pool-padding-half": ("--layer avgpool --input 5x5 --kernel 3 --padding 2",
                          "--padding: must be at most half the pooling window (1)"),
    "classes-one": ("--layer softmax-ce --classes 1", "--classes: must be at least 2"),
    "features-zero": ("--layer linear --in-features 0", "--in-features: must be a positive"),
    "relu-four-axes": ("--layer relu --input 2x2x2x2", "--input: must have 1, 2 or 3 axes"),
    "unknown-layer": ("--layer tanh", "--layer: must be one of conv, maxpool"),
    "softmax-too-big": ("--layer softmax-ce --classes 300", "--classes: instance has 300"),
}


@pytest.mark.parametrize("args, message", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_bad_layer_options_exit_2_with_one_line(args, message, capsys):
    assert main(["prove", *args.split()]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize("layer", ["relu", "maxpool", "avgpool", "linear", "softmax-ce"])
def test_every_command_works_for_every_layer(layer, tmp_path, capsys):
    assert main(["prove", "--layer", layer]) == 0
    assert main(["codegen", "--layer", layer, "-o", str(tmp_path / "m.py")]) == 0
    assert main(["latex", "--layer", layer, "-o", str(tmp_path / "d.tex")]) == 0
    assert main(["latex", "--layer", layer, "--format", "md", "-o", str(tmp_path / "d.md")]) == 0
    assert (tmp_path / "d.tex").read_text().rstrip().endswith("\\end{document}")
    assert "What was proven" in (tmp_path / "d.md").read_text()


LARGE = {
    "conv": "--input 512x300 --kernel 7 --stride 2 --padding 3 --in-channels 3 --out-channels 64",
    "maxpool": "--layer maxpool --input 224x221 --kernel 3 --stride 2 --padding 1 "
               "--in-channels 64",
    "avgpool": "--layer avgpool --input 65x64 --kernel 3 --stride 2 --no-count-include-pad",
    "relu": "--layer relu --input 256x256 --in-channels 32",
}


@pytest.mark.parametrize("options", LARGE.values(), ids=LARGE.keys())
def test_large_layers_are_proven_on_a_shorter_instance_with_the_same_leftover(options):
    layer, spec = from_arguments(options)
    small = layer.proof_spec(spec)
    assert small.forward_terms < spec.forward_terms
    if hasattr(spec, "window"):
        assert small.window.leftover == spec.window.leftover
        assert (small.window.kernel, small.window.stride, small.window.padding) == \
            (spec.window.kernel, spec.window.stride, spec.window.padding)
    source, derivation = generate(layer, spec)
    assert derivation.proven and str(tuple(small.as_dict()["input_shape"])) in source


def test_module_proven_on_a_shorter_instance_is_right_at_full_size():
    layer, spec = from_arguments(LARGE["maxpool"])
    module = import_source(generate(layer, spec)[0], "large_maxpool")
    x = pooled_input(spec, np.float64)[:, :2, :23, :20]     # any size: read at run time
    dy = np.random.default_rng(6).standard_normal(module.forward(x).shape)
    w = spec.window
    np.testing.assert_allclose(   # entries winning two windows may add in another order
        module.backward(dy, x),
        loop_reference.maxpool_backward(dy, x, w.kernel, w.stride, w.padding, w.dilation),
        rtol=1e-14, atol=1e-14)
