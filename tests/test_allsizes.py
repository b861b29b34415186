"""The all-sizes proof: ranks 1-3 proven, planted bugs caught with confirmed counterexamples,
normal forms that agree with a numeric loop on random layers, and a certificate checker that
rejects wrong certificates."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
import sympy

from symconv.algebra.arithmetic import effective_kernel
from symconv.allsizes import DEFAULT_FORMULAS, prove_all_sizes
from symconv.allsizes.certificate import Certificate, Item, check
from symconv.allsizes.counterexample import (
    Layer,
    breaks,
    layer_from_options,
    small_geometries,
    true_gradients,
)
from tests import loop_reference

F = DEFAULT_FORMULAS


def _input_pad(lo_shift=0, hi_shift=0, with_r=True):
    def pads(k, d, p_lo, p_hi, r):
        big_k = effective_kernel(k, d)
        return big_k - 1 - p_lo + lo_shift, big_k - 1 - p_hi + (r if with_r else 0) + hi_shift
    return pads


def _weight_pad(lo_shift=0, hi_shift=0, with_r=True):
    def pads(p_lo, p_hi, r):
        return p_lo + lo_shift, p_hi - (r if with_r else 0) + hi_shift
    return pads


# The planted bugs of ALLSIZES.md: name -> (formulas, the identity that must fail)
PLANTED = {
    "dX without +r": (replace(F, input_grad_padding=_input_pad(with_r=False)), "dX"),
    "dX low pad K-p_lo": (replace(F, input_grad_padding=_input_pad(lo_shift=1)), "dX"),
    "dX without rot180": (replace(F, rotate_kernel_in_dx=False), "dX"),
    "dW without -r (p_hi)": (replace(F, weight_grad_padding=_weight_pad(with_r=False)), "dW"),
    "dW with G not dilated": (replace(F, dilate_g_in_dw=False), "dW"),
    "forward window s*i+d*j+1": (replace(F, window=lambda i, j, s, d: s * i + d * j + 1), "dX"),
}


@pytest.fixture(scope="module")
def rank1():
    return prove_all_sizes(1)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_every_rank_is_proven(rank, rank1):
    result = rank1 if rank == 1 else prove_all_sizes(rank)
    assert result.proven, result.text()
    assert [i.name for i in result.identities] == ["dW", "dX", "db"]
    assert result.counterexample is None
    for item, one in zip(result.identities, rank1.identities):
        assert item.proven and item.failure is None
        # obligations mention one axis each: rank R is R copies of the 1-d ones
        assert item.obligations == rank * one.obligations
        assert all(check(c.obligation, c.certificate) for c in item.checked)
    assert result.identities[0].obligations > 0 and result.identities[1].obligations > 0
    assert len(result.hypotheses) >= 5 and all(h.startswith("(H") for h in result.hypotheses)
    json.dumps(result.report())
    text = result.text()
    assert "Verdict: proven for all sizes" in text and "product" in result.report()["axes"]
    assert sum(line.strip().startswith(("dW", "dX", "db")) for line in text.splitlines()) == 3


def test_report_is_deterministic_apart_from_seconds(rank1):
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "seconds"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    assert strip(rank1.report()) == strip(prove_all_sizes(1).report())


def test_statements_read_the_real_padding_functions(rank1):
    dx = rank1.identities[1].statement
    assert "(K_1 - pl_1 - 1, K_1 - ph_1 + r_1 - 1)" in dx and "rot180(W)" in dx
    assert "(pl_1, ph_1 - r_1)" in rank1.identities[0].statement


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planted_bug_fails_with_confirmed_counterexample(name):
    formulas, culprit = PLANTED[name]
    result = prove_all_sizes(1, formulas)
    assert not result.proven
    failed = [i for i in result.identities if not i.proven]
    assert culprit in [i.name for i in failed]
    assert all(i.failure and i.failure.strip() for i in failed)
    assert "NOT proven" in result.text() and culprit in result.text()
    example = result.counterexample
    assert example is not None, "no counterexample found"
    layer = layer_from_options(example)
    assert layer.valid(F)
    assert breaks(layer, formulas) is not None          # the planted formula fails there
    assert breaks(layer, F) is None                     # the real one does not
    json.dumps(result.report())


def test_dropping_minus_r_matters_only_when_r_at_least_d():
    formulas = PLANTED["dW without -r (p_hi)"][0]
    example = prove_all_sizes(1, formulas).counterexample
    layer = layer_from_options(example)
    n, k, s, d, (lo, hi) = layer.n[0], layer.k[0], layer.s[0], layer.d[0], layer.pads[0]
    assert F.leftover(n, k, s, d, lo, hi) >= d
    for geo in small_geometries(F):
        n, k, s, d, lo, hi = geo
        one = Layer((n,), (k,), (s,), (d,), ((lo, hi),))
        assert (breaks(one, formulas) is not None) == (F.leftover(*geo) >= d)


def test_counterexample_in_rank_two_has_two_axes():
    result = prove_all_sizes(2, PLANTED["dX without rot180"][0])
    layer = layer_from_options(result.counterexample)
    assert len(layer.n) == 2 and breaks(layer, PLANTED["dX without rot180"][0])


# Alternative padding formulas: the all-sizes verdict must match an exhaustive small check.
SWEEP = {
    "dW (p_lo, p_hi - r)": replace(F, weight_grad_padding=_weight_pad()),
    "dW (p_lo, p_hi - r - 1)": replace(F, weight_grad_padding=_weight_pad(hi_shift=-1)),
    "dW (p_lo, p_hi - r + 1)": replace(F, weight_grad_padding=_weight_pad(hi_shift=1)),
    "dW (p_lo + 1, p_hi - r)": replace(F, weight_grad_padding=_weight_pad(lo_shift=1)),
    "dX (K-1-p_lo, K-1-p_hi+r)": replace(F, input_grad_padding=_input_pad()),
    "dX (K-1-p_lo, K-p_hi+r)": replace(F, input_grad_padding=_input_pad(hi_shift=1)),
    "dX (K-2-p_lo, K-p_hi+r)": replace(F, input_grad_padding=_input_pad(-1, 1)),
}


@pytest.mark.parametrize("name", sorted(SWEEP))
def test_sweep_verdict_matches_exhaustive_small_layers(name):
    formulas = SWEEP[name]
    proven = prove_all_sizes(1, formulas, counterexample=False).proven
    failing = any(breaks(Layer((n,), (k,), (s,), (d,), ((lo, hi),)), formulas) is not None
                  for n, k, s, d, lo, hi in small_geometries(F))
    assert proven == (not failing)


def test_true_gradients_match_the_loop_reference():
    layer = Layer((7, 5), (3, 2), (2, 3), (2, 1), ((1, 2), (0, 1)), cin=4, cout=6, groups=2,
                  batch=2)
    rng = np.random.default_rng(1)
    m = [F.output_length(*a) for a in zip(layer.n, layer.k, layer.s, layer.d, *zip(*layer.pads))]
    x = rng.integers(-5, 6, (2, 4, *layer.n))
    w = rng.integers(-5, 6, (6, 2, *layer.k))
    g = rng.integers(-5, 6, (2, 6, *m))
    mine = true_gradients(layer, F, x, w, g)
    ref = loop_reference.conv_backward(g, x, w, layer.s, layer.pads, layer.d, layer.groups)
    for a, b in zip(mine, ref):
        assert np.array_equal(a, b)
    assert breaks(layer, F) is None


# --- normal forms evaluated on random concrete layers ----------------------------------------

def _evaluator(term, names):
    """Compile the guards and factor indices of a normal-form term into a Python function."""
    args = [sympy.Symbol(n, integer=True) for n in names] + list(term.bound)
    guards = sympy.lambdify(args, [g.expr for g in term.guards] or [0])
    kinds = [g.kind for g in term.guards]
    index = sympy.lambdify(args, [list(idx) for _, idx in term.factors])
    singles = {}
    for g in term.guards:
        inside = [v for v in term.bound if v in g.expr.free_symbols]
        if g.kind == "ge" and len(inside) == 1:
            v = inside[0]
            coeff, rest = g.expr.coeff(v), sympy.expand(g.expr - g.expr.coeff(v) * v)
            sizes = args[:len(names)]
            singles.setdefault(v, []).append((sympy.lambdify(sizes, coeff),
                                              sympy.lambdify(sizes, rest)))
    return guards, kinds, index, singles


def _box(v, singles, values):
    """The integer interval allowed for ``v`` by its one-variable guards ``c*v + e >= 0``."""
    lo, hi = None, None
    for coeff, rest in singles.get(v, []):
        c, e = coeff(*values), rest(*values)
        if c > 0:
            bound = -(e // c)                 # v >= ceil(-e / c)
            lo = bound if lo is None else max(lo, bound)
        elif c < 0:
            bound = e // (-c)                 # v <= floor(e / -c)
            hi = bound if hi is None else min(hi, bound)
    assert lo is not None and hi is not None, f"bound variable {v} has no finite range"
    return range(lo, hi + 1)


def _evaluate(terms, names, values, arrays):
    """Sum the normal-form terms at concrete sizes/entry ``values`` (in the order of ``names``)."""
    total = 0
    for term, (guards, kinds, index, singles) in terms:
        boxes = [_box(v, singles, values) for v in term.bound]
        for point in product(*boxes):
            full = list(values) + list(point)
            ok = all((val == 0) if kind == "eq" else (val >= 0)
                     for val, kind in zip(guards(*full), kinds))
            if not ok:
                continue
            value = int(term.coeff)
            for (name, _), idx in zip(term.factors, index(*full)):
                arr = arrays[name]
                assert all(0 <= t < n for t, n in zip(idx, arr.shape)), (name, idx, arr.shape)
                value *= int(arr[tuple(idx)])
            total += value
    return total


def _random_layer(rnd):
    while True:
        n, k, s, d = rnd.randint(1, 7), rnd.randint(1, 3), rnd.randint(1, 4), rnd.randint(1, 3)
        lo, hi = rnd.randint(0, 3), rnd.randint(0, 3)
        if effective_kernel(k, d) <= n + lo + hi:
            groups, cin_g, cout_g = rnd.choice([1, 2]), rnd.randint(1, 2), rnd.randint(1, 2)
            return Layer((n,), (k,), (s,), (d,), ((lo, hi),), cin_g * groups, cout_g * groups,
                         groups, rnd.randint(1, 2))


def test_normal_forms_agree_with_numeric_gradients(rank1):
    names_common = ["n_1", "k_1", "s_1", "d_1", "pl_1", "ph_1", "q_1", "r_1", "B", "g", "Ci",
                    "Co"]
    compiled = {}
    for item in rank1.identities:
        names = names_common + [str(v) for v in item.query]
        compiled[item.name] = (names, [(t, _evaluator(t, names)) for t in item.chain_terms],
                               [(t, _evaluator(t, names)) for t in item.closed_terms])
    rnd = random.Random(7)
    seen = {"r>0": 0, "r>=d": 0, "crop": 0, "groups": 0}
    for _ in range(200):
        layer = _random_layer(rnd)
        (n,), (k,), (s,), (d,), ((lo, hi),) = layer.n, layer.k, layer.s, layer.d, layer.pads
        q, r = divmod(n + lo + hi - effective_kernel(k, d), s)
        seen["r>0"] += r > 0
        seen["r>=d"] += r >= d
        seen["crop"] += hi - r < 0
        seen["groups"] += layer.groups > 1
        ci, co, g, batch = layer.cin // layer.groups, layer.cout // layer.groups, layer.groups, \
            layer.batch
        rng = np.random.default_rng(rnd.randint(0, 10**6))
        x = rng.integers(-5, 6, (batch, layer.cin, n))
        w = rng.integers(-5, 6, (layer.cout, ci, k))
        gr = rng.integers(-5, 6, (batch, layer.cout, q + 1))
        bias = np.zeros(layer.cout, dtype=np.int64)
        dx, dw, db = loop_reference.conv_backward(gr, x, w, layer.s, layer.pads, layer.d, g)
        arrays = {"X": x.reshape(batch, g, ci, n), "W": w.reshape(g, co, ci, k),
                  "G": gr.reshape(batch, g, co, q + 1), "bias": bias.reshape(g, co)}
        sizes = [n, k, s, d, lo, hi, q, r, batch, g, ci, co]
        wants = {"dX": (dx.reshape(batch, g, ci, n), [range(batch), range(g), range(ci), range(n)]),
                 "dW": (dw.reshape(g, co, ci, k), [range(g), range(co), range(ci), range(k)]),
                 "db": (db.reshape(g, co), [range(g), range(co)])}
        for name, (want, ranges) in wants.items():
            names, chain, closed = compiled[name]
            for entry in product(*ranges):
                values = sizes + list(entry)
                expected = int(want[entry])
                assert _evaluate(chain, names, values, arrays) == expected, (name, layer, entry)
                assert _evaluate(closed, names, values, arrays) == expected, (name, layer, entry)
    assert all(count >= 10 for count in seen.values()), seen


# --- the certificate checker -----------------------------------------------------------------

def test_checker_rejects_wrong_certificates(rank1):
    checked = [c for item in rank1.identities for c in item.checked]
    target = next(c for c in checked if any(i.kind == "ge" and len(i.factors) == 2
                                            for i in c.certificate.items))
    ob, cert = target.obligation, target.certificate
    assert check(ob, cert)
    items = list(cert.items)
    # 1. a weight changed: the sum is no longer a negative constant
    first = items[0]
    bumped = replace(first, weight=first.weight + Fraction(1, 2))
    assert not check(ob, Certificate((bumped, *items[1:])))
    # 2. an item dropped
    assert not check(ob, Certificate(tuple(items[1:])))
    # 3. facts that are not premises, even though they cancel: (n_1 - 2) + (2 - n_1) = 0
    n1 = sympy.Symbol("n_1", integer=True)
    fake = (Item(Fraction(1), "ge", (n1 - 2,)), Item(Fraction(1), "ge", (2 - n1,)))
    assert Certificate((*items, *fake)).total() == cert.total()
    assert not check(ob, Certificate((*items, *fake)))
    # 4. a negative weight on a ">= 0" fact
    neg = [replace(i, weight=-i.weight) if i.kind == "ge" and i.factors else i for i in items]
    assert not check(ob, Certificate(tuple(neg)))
    # 5. a certificate for a different goal
    assert not check(replace(ob, goal=ob.goal + 1), cert)
    # 6. an equation that is not a premise
    bogus = Item(Fraction(1), "eq", (n1 - 1,), sympy.S.One)
    assert not check(ob, Certificate((*items, bogus)))


def test_checker_rejects_certificate_of_a_false_obligation():
    # 0 <= i <= q does not give s*i <= q (false for s = 2, i = q = 1); a made-up certificate
    # that pretends otherwise must not pass.
    from symconv.allsizes.obligations import Obligation, search
    from symconv.allsizes.terms import ge
    s, i, q = (sympy.Symbol(x, integer=True) for x in ("s", "i", "q"))
    premises = (ge(s - 1), ge(i), ge(q - i))
    ob = Obligation("test", "s*i <= q", premises, q - s * i)
    assert search(list(premises), ob.goal) is None
    fake = Certificate((Item(Fraction(1), "ge", (q - i,)),
                        Item(Fraction(1), "ge", (s * i - q - 1,)), Item(Fraction(1), "ge", (i,))))
    assert fake.total() != -1 and not check(ob, fake)


def test_unsupported_floor_is_not_proven():
    odd = replace(F, output_length=lambda n, k, s, d, lo, hi: (n + lo + hi - k) // s + 1)
    result = prove_all_sizes(1, odd, counterexample=False)
    assert not result.proven


def test_rank_is_checked():
    with pytest.raises(ValueError):
        prove_all_sizes(4)
