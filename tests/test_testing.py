"""symconv.testing: exact checks of anyone's backward pass, the term-level report, the sweep."""

from __future__ import annotations

import functools
import importlib
import re

import numpy as np
import pytest

import symconv
from symconv.render.artifacts import generate
from symconv.testing import assert_backward, check_backward, sweep
from symconv.testing.check import check_spec
from symconv.testing.sweep import cases
from tests.generated_modules import import_source
from tests.implementations import CORPUS

LAYERS = ["conv", "maxpool", "avgpool", "relu", "linear", "softmax-ce"]


def plain(rank: int):
    """What the corpus functions take: ``rank`` spatial axes, one stride and one symmetric
    padding for every axis, a square kernel, no dilation or groups, PyTorch's
    count_include_pad."""
    def supports(spec: dict) -> bool:
        return (len(spec["input"]) == rank and len(set(spec["stride"])) == 1
                and len({(lo, hi) for lo, hi in spec["padding"]}) == 1
                and spec["padding"][0][0] == spec["padding"][0][1]
                and set(spec["dilation"]) == {1} and spec.get("groups", 1) == 1
                and len(set(spec["kernel"])) == 1 and spec.get("count_include_pad", True))
    return supports


square_2d = plain(2)


def bound(name: str, options: dict):
    """The corpus function ``name`` with its geometry keywords taken from ``options``."""
    layer, _, geometry = CORPUS[name]
    fn = importlib.import_module(f"tests.implementations.{name}").backward
    if geometry is None:
        return fn
    spec = symconv.testing.check.layer_spec(layer, options)[1].as_dict()
    keywords = {"stride": spec["stride"][0], "padding": spec["padding"][0][0]}
    if geometry.startswith("pool"):
        keywords["kernel"] = spec["kernel"][0]
    return functools.partial(fn, **keywords)


def supported(name: str) -> list[tuple[str, dict]]:
    layer, _, geometry = CORPUS[name]
    return cases(layer, plain(int(geometry[-2])) if geometry else None)


def test_the_corpus_covers_every_layer_and_1d_2d_3d():
    layers = {layer for layer, _, _ in CORPUS.values()}
    assert layers == set(LAYERS)
    for layer in layers:
        assert {ok for name, (kind, ok, _) in CORPUS.items() if kind == layer} == {True, False}
    ranks = {geometry[-2] for _, _, geometry in CORPUS.values() if geometry}
    assert ranks == {"1", "2", "3"}


@pytest.mark.parametrize("name", sorted(n for n, (_, ok, _) in CORPUS.items() if ok))
def test_every_correct_implementation_passes_every_case_it_supports(name):
    found = supported(name)
    assert found
    for case, options in found:
        result = check_backward(bound(name, options), CORPUS[name][0], **options)
        assert result.passed, (case, result.report())
        assert result.bound is None or result.bound < 1e-12


@pytest.mark.parametrize("name", sorted(n for n, (_, ok, _) in CORPUS.items() if not ok))
def test_every_buggy_implementation_fails_with_a_report(name):
    failed = []
    for case, options in supported(name):
        result = check_backward(bound(name, options), CORPUS[name][0], **options)
        if not result.passed:
            failed.append((case, result))
    assert failed, f"{name} passed every case"
    case, result = failed[0]
    report = result.report()
    assert "FAILED" in report or "ERROR" in report
    assert result.mismatches or result.error
    assert result.as_dict()["passed"] is False


@pytest.mark.parametrize("layer", LAYERS)
def test_generated_modules_pass_the_whole_sweep(layer):
    for case, options in cases(layer):
        d = symconv.derive(layer, **options)
        source, _ = generate(d.layer, d.spec)
        module = import_source(source, f"sweep_{layer.replace('-', '_')}_{abs(hash(case))}")
        result = check_spec(module.backward, d.layer, d.spec, derivation=d)
        assert result.passed, (case, result.report())


def test_sweep_gives_pytest_params_with_readable_ids():
    params = sweep("conv")
    ids = [p.id for p in params]
    assert "in6x6-k3-s2-p0-r1-n2c2f3" in ids
    assert any("-d2-" in i for i in ids) and any("-g2-" in i for i in ids)
    assert any(i.startswith("in7-") for i in ids) and any(i.startswith("in4x4x4") for i in ids)
    assert any(":" in i for i in ids)      # asymmetric padding
    assert all(len(p.values) == 1 and isinstance(p.values[0], dict) for p in params)
    assert len(sweep("conv", rank=1)) == 2
    assert all(square_2d(symconv.testing.check.layer_spec("conv", p.values[0])[1].as_dict())
               for p in sweep("conv", supports=square_2d))
    assert any("-r1-" in i for i in (p.id for p in sweep("maxpool")))


def conv_reference(options):
    d = symconv.derive("conv", **options)
    return import_source(generate(d.layer, d.spec)[0], f"reference_{abs(hash(str(options)))}")


CONV = {"input": (5, 5), "kernel": 3, "stride": 2, "padding": 1, "in_channels": 2,
        "out_channels": 3, "batch": 2}


def test_report_names_the_entry_the_terms_and_the_mistake():
    module = conv_reference(CONV)

    def unflipped(dy, x, w):
        dx, dw, db = module.backward(dy, x, w[:, :, ::-1, ::-1].copy())
        return dx, module.backward(dy, x, w)[1], db

    result = check_backward(unflipped, "conv", **CONV)
    assert not result.passed and [m.gradient for m in result.mismatches] == ["dX"]
    report = result.report()
    assert "dX[0,0," in report and "expected: G[" in report and "got:      G[" in report
    assert "kernel is not flipped" in report
    with pytest.raises(AssertionError, match="kernel is not flipped"):
        assert_backward(unflipped, "conv", **CONV)


def test_none_is_skipped_and_said_so_and_mutation_is_reported():
    module = conv_reference(CONV)

    def partial(dy, x, w):
        dx, dw, _ = module.backward(dy, x, w)
        x[...] = 0
        return dx, dw, None

    result = check_backward(partial, "conv", **CONV)
    assert result.passed and result.skipped == ["db"] and result.mutated == ["x"]
    assert "skipped: db" in result.report() and "modified its argument x" in result.report()


def test_a_raising_function_or_a_bad_return_fails_without_crashing():
    def raises(dy, x, w):
        raise ValueError("shapes do not match")

    result = check_backward(raises, "conv", **CONV)
    assert not result.passed and result.error == "ValueError: shapes do not match"
    result = check_backward(lambda dy, x, w: (dy,), "conv", **CONV)
    assert not result.passed
    assert "fn returned a tuple of 1, expected a tuple of 3 (dx, dw, db)" in result.report()
    result = check_backward(lambda dy, x: "text", "relu", input=4)
    assert not result.passed and "not a numeric array" in result.report()
    result = check_backward(lambda dy, x: dy[..., :2], "relu", input=4)
    assert not result.passed and "shape" in result.report()


def test_non_finite_gradients_are_named_in_the_term_report():
    """A NaN or inf where the derived gradient is a finite polynomial: the report says so
    for that entry (it has no terms to recover) and goes on with the other gradients."""
    module = conv_reference(CONV)

    def poisoned(dy, x, w):
        dx, dw, db = module.backward(dy, x, w)
        dx = dx.copy()
        dx.flat[0] = np.nan
        return dx, dw * 2, db

    result = check_backward(poisoned, "conv", **CONV)
    assert not result.passed
    report = result.report()
    assert "got nan" in report and "nan, not a finite number" in report
    assert "unavailable" not in report and "dW[" in report


def test_no_uniform_factor_is_claimed_for_a_bump_or_a_value_of_the_point():
    """A factor is diagnosed only when it reads as a mistaken constant: one dW entry off by
    2^-20 is not "1 times the right value", and dy * x * [x > 0] is not a scale by the
    value that x happens to have at the point."""
    module = conv_reference(CONV)

    def bumped(dy, x, w):
        dx, dw, db = module.backward(dy, x, w)
        dw = dw.copy()
        dw.flat[0] += 2.0 ** -20
        return dx, dw, db

    report = check_backward(bumped, "conv", **CONV).report()
    assert "FAILED" in report and "times the right value" not in report
    report = check_backward(lambda dy, x: dy * x * (x > 0), "relu", input=3,
                            in_channels=2).report()
    assert "FAILED" in report and "scaled by" not in report
    report = check_backward(lambda dy, x: dy * (x < 0), "relu", input=3,
                            in_channels=2).report()
    assert "the mask is inverted" in report and "sign of dy" not in report


def test_state_between_calls_is_named():
    calls = []

    def drifting(dy, x):
        calls.append(1)
        return dy * (x > 0) + (len(calls) > 1)

    result = check_backward(drifting, "relu", input=(3, 3))
    assert not result.passed
    assert "not a fixed function" in result.report()


def test_overlapping_maxpool_overwrite_needs_the_shared_argmax_point():
    from tests.implementations import maxpool_overwrite
    fn = functools.partial(maxpool_overwrite.backward, kernel=3, stride=2, padding=1)
    result = check_backward(fn, "maxpool", input=(5, 5), kernel=3, stride=2, padding=1)
    assert not result.passed
    assert "overwritten" in result.report() or "overwrites" in result.report()


def test_max_pooling_padded_with_zeros_fails_at_every_seed():
    """Max pooling over x padded with 0 instead of -inf differs only where a window over the
    padding sees nothing but negative entries. Input 5, window 4, stride 2, padding (0, 2):
    the second window reads x[2:5] and two padding cells, which random points make all
    negative only sometimes (the mutant used to pass at some seeds); the negative point
    (every input below 0) catches it at every seed, and the report says what it means."""
    def zero_padded(dy, x):
        xp = np.pad(x, ((0, 0), (0, 0), (0, 2)))   # zeros: the bug
        dxp = np.zeros(xp.shape)
        for i in range(dy.shape[2]):
            best = 2 * i + int(np.argmax(xp[0, 0, 2 * i:2 * i + 4]))
            dxp[0, 0, best] += dy[0, 0, i]
        return dxp[:, :, :5]

    options = {"input": 5, "kernel": 4, "stride": 2, "padding": ((0, 2),)}
    reports = []
    for seed in range(20):
        result = check_backward(zero_padded, "maxpool", seed=seed, **options)
        assert not result.passed, seed
        reports.append(result.report())
    assert any("padded with 0 instead of -inf" in report for report in reports)


def test_rational_layers_use_a_tolerance_per_polynomial():
    from tests.implementations import avgpool_loops
    fn = functools.partial(avgpool_loops.backward, kernel=3, stride=2, padding=1)
    options = {"input": (5, 5), "kernel": 3, "stride": 2, "padding": 1}
    assert check_backward(fn, "avgpool", **options).passed
    wrong = check_backward(lambda dy, x: fn(dy, x) * (1 + 1e-9), "avgpool", **options)
    assert not wrong.passed


def test_dropping_minus_r_in_dw_is_caught_when_r_is_at_least_d():
    """dW = correlation of x padded by (p_lo, p_hi - r) with the stride-dilated dy; padding
    by p_hi instead reads past the last window, which changes dW exactly when r >= d."""
    options = {"input": 7, "kernel": 2, "stride": 3, "in_channels": 2, "out_channels": 2,
               "batch": 2}
    module = conv_reference(options)

    def without_minus_r(dy, x, w):
        dx, _, db = module.backward(dy, x, w)
        n, c, length = x.shape
        s, k = 3, 2
        dilated = np.zeros((n, dy.shape[1], (dy.shape[2] - 1) * s + 1))
        dilated[..., ::s] = dy
        xq = np.pad(x, ((0, 0), (0, 0), (0, 0)))     # p_hi - r dropped to p_hi = 0 ...
        start = xq.shape[2] - dilated.shape[2] - k + 1   # ... so windows align to the end
        dw = np.stack([np.einsum("nfi,nci->fc", dilated, xq[..., start + j:start + j +
                                                            dilated.shape[2]])
                       for j in range(k)], axis=-1)
        return dx, dw, db

    result = check_backward(without_minus_r, "conv", **options)
    assert not result.passed and result.mismatches[0].gradient == "dW"


def test_derivations_are_cached_per_spec():
    from symconv.testing.derived import _CACHE
    check_backward(lambda dy, x: dy * (x > 0), "relu", input=(2, 5))
    size = len(_CACHE)
    check_backward(lambda dy, x: dy * (x > 0), "relu", input=(2, 5), seed=3)
    assert len(_CACHE) == size


def test_softmax_has_no_polynomial_bound_but_states_its_guarantee():
    from tests.implementations import softmax_ce_stable
    result = check_backward(softmax_ce_stable.backward, "softmax-ce", classes=4, batch=3)
    assert result.passed and result.bound is None
    assert result.guarantee.startswith("not a probability")
    assert "bound: not a probability" in result.report()


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _onehot(z, y):
    return np.eye(z.shape[1])[y]


SOFTMAX_MISTAKES = {
    "no-mean": (lambda z, y: _softmax(z) - _onehot(z, y),
                "p[0,0] - Y[0,0]", "1/N of the batch mean is missing"),
    "no-minus-y": (lambda z, y: _softmax(z) / len(y), "1/3·p[0,0]", "the -Y term is missing"),
    "sign": (lambda z, y: (_onehot(z, y) - _softmax(z)) / len(y),
             "-1/3·p[0,0] + 1/3·Y[0,0]", "the sign is flipped"),
    "log-softmax": (lambda z, y: (np.log(_softmax(z)) - _onehot(z, y)) / len(y),
                    "1/3·(log p)[0,0] - 1/3·Y[0,0]", "log-softmax used"),
    "twice-averaged": (lambda z, y: (_softmax(z) - _onehot(z, y)) / len(y) ** 2,
                       "1/9·p[0,0] - 1/9·Y[0,0]", "divided by N = 3 twice"),
    "batch-axis": (lambda z, y: (np.exp(z) / np.exp(z).sum(axis=0) - _onehot(z, y)) / len(y),
                   "1/3·q[0,0] - 1/3·Y[0,0]", "over the batch axis"),
}


@pytest.mark.parametrize("name", SOFTMAX_MISTAKES)
def test_softmax_mistakes_are_fitted_as_terms_of_p_and_y_and_named(name):
    fn, got, diagnosis = SOFTMAX_MISTAKES[name]
    result = check_backward(fn, "softmax-ce", classes=4, batch=3)
    report = result.report()
    assert not result.passed
    assert "expected: 1/3·p[" in report and "- 1/3·Y[" in report
    assert f"got:      {got}" in re.sub(r"\[\d+,\d+\]", "[0,0]", report)
    assert diagnosis in report


def test_softmax_above_the_symbolic_budget_uses_the_closed_form():
    from tests.implementations import softmax_ce_no_mean, softmax_ce_stable
    options = {"classes": 300, "batch": 2}
    result = check_backward(softmax_ce_stable.backward, "softmax-ce", **options)
    assert result.passed and "closed form" in result.method
    result = check_backward(softmax_ce_no_mean.backward, "softmax-ce", **options)
    assert not result.passed and "1/N of the batch mean is missing" in result.report()


def test_cli_check_exit_codes(capsys):
    from symconv.cli import main
    folder = "tests/implementations/"
    assert main(["check", folder + "linear_matmul.py:backward", "--layer", "linear"]) == 0
    assert main(["check", folder + "softmax_ce_no_mean.py:backward", "--layer", "softmax-ce",
                 "--batch", "2"]) == 1
    assert "1/N of the batch mean is missing" in capsys.readouterr().out
    assert main(["check", folder + "conv_loops.py:backward", "--input", "5"]) == 2
    assert "raised ValueError" in capsys.readouterr().err
    assert main(["check", folder + "missing.py:backward"]) == 2
    assert main(["check", folder + "relu_in_place.py:nothing", "--layer", "relu"]) == 2
    assert main(["check", folder + "relu_in_place.py:backward", "--layer", "relu", "--sweep",
                 "--input", "3"]) == 2
    capsys.readouterr()
    assert main(["check", folder + "relu_in_place.py:backward", "--layer", "relu", "--sweep",
                 "--json"]) == 0
    import json
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] and len(report["cases"]) == 3


def test_codegen_with_a_template_bug_exits_1_with_the_report_and_writes_nothing(
        tmp_path, monkeypatch, capsys):
    from symconv.cli import main
    from symconv.render import artifacts
    original = artifacts.render

    def planted(template, **context):
        text = original(template, **context)
        return text.replace("rotated = w[(*ALL, *(slice(None, None, -1),) * RANK)]",
                            "rotated = w")

    target = tmp_path / "conv.py"
    # no padding: a grid 2.25x the output keeps this layer on im2col, where the bug is planted
    arguments = ["codegen", "--input", "6x6", "--kernel", "3", "--padding", "0",
                 "--in-channels", "4", "--out-channels", "4", "-o", str(target)]
    monkeypatch.setattr(artifacts, "render", planted)
    assert main(arguments) == 1
    err = capsys.readouterr().err
    assert "failed its check" in err and "dX[" in err and "kernel is not flipped" in err
    assert not target.exists()
    monkeypatch.setattr(artifacts, "render", original)
    assert main(arguments) == 0
    assert "Checked before it was written" in target.read_text()


@pytest.mark.parametrize("layer", LAYERS)
def test_every_generated_module_states_what_was_checked(layer):
    d = symconv.derive(layer, **cases(layer)[0][1])
    source = d.module_source()
    assert "Checked before it was written" in source
    assert ("probability <=" in source) == (layer != "softmax-ce")


def test_catalogue_cases_with_r_at_least_d_catch_a_dropped_minus_r(monkeypatch):
    """dW's padding is (p_lo, p_hi - r); keeping p_hi is wrong exactly when r >= d on an
    axis, so the catalogue needs such cases for its proofs to catch it."""
    from symconv.algebra import arithmetic
    from symconv.catalogue import CASES, from_arguments
    from symconv.engine import pipeline
    chosen = []
    for name, arguments in CASES.items():
        layer, spec = from_arguments(arguments)
        window = getattr(spec, "window", None)
        if layer.name == "conv" and any(r >= d for r, d in zip(window.leftover,
                                                               window.dilation) if r):
            chosen.append((name, layer, spec))
    assert len(chosen) >= 2
    monkeypatch.setattr(arithmetic, "weight_grad_padding", lambda lo, hi, r: (lo, hi))
    for name, layer, spec in chosen:
        derivation = pipeline.run(layer, spec)
        assert not derivation.proven, name
        failed = [r for r in derivation.results if not r.proven]
        assert [r.name for r in failed] == ["dW"] and failed[0].mismatch is not None, name


@pytest.mark.parametrize("layer", ["conv", "linear", "relu", "maxpool", "avgpool"])
def test_exact_evaluation_without_expansion_equals_the_derived_polynomials(layer):
    from symconv.testing.check import draw_points, layer_spec
    from symconv.testing.derived import prepare
    from symconv.testing.numeric import Numeric
    rng = np.random.default_rng(1)
    for case, options in cases(layer):
        record, spec = layer_spec(layer, options)
        symbolic, numeric = prepare(record, spec), Numeric(record, spec)
        assert symbolic.shapes() == numeric.shapes() and symbolic.degree == numeric.degree
        assert numeric.value_limit() <= symbolic.value_limit(), case
        if layer == "maxpool":
            counted = np.zeros(spec.input_shape)
            for _, _, (_, winner) in symbolic.indicators:
                counted[winner] += 1
            assert np.array_equal(counted, numeric.readers()), case
        for point in draw_points(symbolic, numeric.value_limit(), 2, rng):
            want, got = symbolic.expect(point.arrays), numeric.expect(point.arrays)
            for name, (value, tolerance) in want.items():
                other, slack = got[name]
                assert np.all(np.abs(value - other) <= tolerance + slack), (case, name)
                assert np.array_equal(tolerance > 0, slack > 0), (case, name)


def test_large_instances_are_checked_exactly_without_expansion():
    from tests.implementations import conv_einsum, conv_kernel_not_flipped
    options = {"input": (40, 40), "kernel": 3, "padding": 1, "in_channels": 8,
               "out_channels": 8, "batch": 2}
    result = check_backward(conv_einsum.einsum_backward(1, 1), "conv", **options)
    assert result.passed and "without expanding" in result.method and result.bound < 1e-12
    unflipped = functools.partial(conv_kernel_not_flipped.backward, stride=1, padding=1)
    result = check_backward(unflipped, "conv", **options)
    assert not result.passed and "kernel is not flipped" in result.report()


def test_codegen_checks_a_large_module_at_full_size(tmp_path, monkeypatch, capsys):
    from symconv.cli import main
    from symconv.render import artifacts
    target = tmp_path / "conv.py"
    arguments = ["codegen", "--input", "64x64", "--kernel", "3", "--in-channels", "16",
                 "--out-channels", "16", "-o", str(target)]
    assert main(arguments) == 0
    text = " ".join(target.read_text().split())
    assert "run on input (1, 16, 64, 64), gives dX, dW, db equal" in text
    assert "without expanding its terms" in text and "not run against" not in text
    original = artifacts.render
    # the kernel left unflipped, whichever strategy the module uses for dX
    monkeypatch.setattr(artifacts, "render", lambda template, **context: original(
        template, **context).replace("rotated = w[(*ALL, *(slice(None, None, -1),) * RANK)]",
                                     "rotated = w").replace("len(TAPS))[..., ::-1]",
                                                            "len(TAPS))"))
    target.unlink()
    assert main(arguments) == 1
    err = capsys.readouterr().err
    assert "dX[" in err and "kernel is not flipped" in err and not target.exists()


@pytest.mark.parametrize("name, case, diagnosis", [
    ("conv3d_depth_not_flipped", "in4x4x4-k2-s2-p0-r0-n1c1f2", "but not on axis 0"),
    ("conv1d_same_padding_backward", "in7-k2-s3-p0-r2-n2c2f2", "dX is shifted"),
    ("maxpool1d_overwrite", "in8-k3-s2-p0-r1-n1c2", "overwritten instead of added"),
    ("relu_mask_from_dy", "in7-n1c1", "the mask is the sign of dy"),
    ("avgpool1d_exclude_pad", "in7-k3-s2-p1-r0-n2c1", "scaled by 3/2"),
])
def test_corpus_mistakes_beyond_2d_are_named(name, case, diagnosis):
    options = dict(supported(name))[case]
    result = check_backward(bound(name, options), CORPUS[name][0], **options)
    assert not result.passed and diagnosis in result.report()


def test_large_pooling_is_checked_without_expansion():
    from tests.implementations import maxpool_add_at, maxpool_overwrite
    options = {"input": (40, 40), "kernel": 3, "stride": 2, "in_channels": 3}
    good = functools.partial(maxpool_add_at.backward, kernel=3, stride=2)
    result = check_backward(good, "maxpool", **options)
    assert result.passed and "without expanding" in result.method
    bad = functools.partial(maxpool_overwrite.backward, kernel=3, stride=2)
    assert not check_backward(bad, "maxpool", **options).passed


@pytest.mark.parametrize("kernel, stride", [(2, 1), (3, 2)])
def test_a_reversed_weight_gradient_is_named_as_reversed_not_shifted(kernel, stride):
    from tests.implementations import conv1d_loops
    # dW computed as a true convolution: every tap's gradient lands on the mirrored tap (with
    # 2 taps that is also a shift by one on the one entry both share)
    def backward(dy, x, w):
        dx, dw, db = conv1d_loops.backward(dy, x, w, stride=stride)
        return dx, dw[..., ::-1].copy(), db
    result = check_backward(backward, "conv", input=(7,), kernel=kernel, stride=stride,
                            in_channels=2, out_channels=2)
    report = result.report()
    assert not result.passed and "dW is rot180 of the right dW" in report
    assert "shifted" not in report


def test_a_weight_gradient_reversed_on_one_axis_is_named_with_its_axis():
    from tests.implementations import conv_loops
    # 2x2 taps, dW reversed along width only: with 2 taps also a shift by one

    def backward(dy, x, w):
        dx, dw, db = conv_loops.backward(dy, x, w)
        return dx, dw[..., ::-1].copy(), db
    result = check_backward(backward, "conv", input=(4, 4), kernel=2, in_channels=1,
                            out_channels=2)
    report = result.report()
    assert not result.passed and "dW is reversed on spatial axis 1 only" in report
    assert "shifted" not in report
