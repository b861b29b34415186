"""Exact proofs on the awkward cases, and rejection of planted wrong closed forms."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symconv.algebra import arithmetic
from symconv.algebra.geometry import WindowSpec
from symconv.algebra.verbs import dilate, pad, rot180
from symconv.engine.contract import Identity
from symconv.engine.derive import derive
from symconv.engine.pipeline import run
from symconv.engine.prove import check
from symconv.layers.conv import closed_forms as conv_identities
from symconv.layers.conv import forward as conv_forward
from symconv.layers.conv.layer import LAYER as CONV
from symconv.layers.conv.spec import ConvSpec
from tests.conftest import conv


def test_awkward_cases_are_proven(awkward_spec):
    derivation = run(CONV, awkward_spec)
    assert [r.name for r in derivation.results] == ["dW", "dX", "db"]
    for result in derivation.results:
        assert result.proven, result
        assert result.elements == derivation.gradients[result.wrt].size
    # every forward product shows up once in dW and once in dX
    assert derivation.results[0].terms == derivation.results[1].terms == derivation.terms


@st.composite
def conv_specs(draw):
    rank = draw(st.integers(1, 3))
    limit = {1: 9, 2: 6, 3: 4}[rank]
    axes = []
    for _ in range(rank):
        n, k = draw(st.integers(1, limit)), draw(st.integers(1, 3))
        s, d = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        lo, hi = draw(st.integers(0, 2)), draw(st.integers(0, 2))
        if n + lo + hi < arithmetic.effective_kernel(k, d):
            n = arithmetic.effective_kernel(k, d)
        axes.append((n, k, s, d, (lo, hi)))
    groups = draw(st.sampled_from([1, 2]))
    window = WindowSpec(*(tuple(a[i] for a in axes) for i in (0, 1, 2, 4, 3)))
    assume(window.read_count > 0)   # all-padding layers are refused: nothing to prove
    return ConvSpec(window, groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2)),
                    groups, draw(st.integers(1, 2)))


@settings(max_examples=60, deadline=None)
@given(conv_specs())
def test_every_valid_spec_is_proven(spec):
    assert run(CONV, spec).proven


def planted(spec, *, flip=True, leftover_side="high", use_leftover=True):
    """dX built from the operators with one deliberate mistake, checked against the derivation."""
    forward = conv_forward.symbolic_forward(spec)
    w = spec.window
    pads = []
    for k, d, (lo, hi), r in zip(w.kernel, w.dilation, w.padding, w.leftover):
        r = r if use_leftover else 0
        g_lo, g_hi = arithmetic.input_grad_padding(k, d, lo, hi, 0)
        pads.append((g_lo, g_hi + r) if leftover_side == "high" else (g_lo + r, g_hi))
    weights = forward.inputs["W"].entries
    kernel = rot180(weights, w.rank) if flip else weights
    g_quad = pad(dilate(forward.upstream.entries, w.stride), tuple(pads))
    closed = conv_identities.input_gradient(spec, g_quad, kernel)
    return check(Identity("dX", "X", "planted", "", closed), derive(forward)["X"])


def test_correct_operands_pass_the_planted_harness():
    assert planted(conv((6, 6), 3, 2)).proven


def test_rot180_left_out_is_rejected():
    result = planted(conv((4, 4), 2, 1, 1))
    assert result.proven  # sanity: harness builds the right thing by default
    result = planted(conv((4, 4), 2, 1, 1), flip=False)
    assert not result.proven
    assert result.mismatch.index == (0, 0, 0, 0)
    assert "W_{" in result.mismatch.derived and "W_{" in result.mismatch.closed


def test_leftover_ignored_is_rejected():
    result = planted(conv((6, 6), 3, 2), use_leftover=False)
    assert not result.proven and "shape" in result.mismatch.derived


def test_leftover_on_the_wrong_side_is_rejected():
    result = planted(conv((6, 6), 3, 2), leftover_side="low")
    assert not result.proven and result.mismatch.index == (0, 0, 0, 0)


def test_one_missing_term_is_found_and_located():
    spec = conv((5, 5), 3, 2, 1)
    derivation = run(CONV, spec)
    identity = derivation.identities[0]
    closed = np.copy(identity.closed)
    closed[0, 0, 1, 2] = dict(list(closed[0, 0, 1, 2].items())[1:])
    result = check(Identity("dW", "W", "corrupted", "", closed), derivation.gradients["W"])
    assert not result.proven
    assert result.mismatch.index == (0, 0, 1, 2)
    assert result.elements == 1 * 3 + 2 + 1   # row-major position of (1, 2) in 3x3, plus one
