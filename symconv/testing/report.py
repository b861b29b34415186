"""The term-level report of a failed check: which entry, the polynomial it should be, the
polynomial the implementation computes, and the name of the mistake when it is a common one.

    dX[0,0,0,0] differs (25 of 25 entries differ) at random point 1:
      expected: G[0,0,0,0]·W[0,0,1,1]
      got:      G[0,0,0,0]·W[0,0,1,1] + G[0,0,0,1]·W[0,0,1,0] + ...
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

import symconv.testing.softmax as softmax
from symconv.testing.recover import (
    evaluate_terms,
    probe_polynomial,
    rational,
    symbolic_polynomials,
)

SHOWN_TERMS = 8
ORDER = {"G": 0, "X": 1, "W": 2, "b": 3}


def explain(result) -> str:
    """The report of every mismatch of ``result`` (a failed :class:`CheckResult`)."""
    run = result.context
    lines = []
    softmax_ce = run.prepared.layer.name == "softmax-ce"
    recovered = recover_all(run) if run.prepared.symbolic and not softmax_ce else {}
    for mismatch in result.mismatches:
        lines.append(f"{mismatch.message}"
                     + (f" at {run.points[mismatch.point].label}" if mismatch.kind == "value"
                        else ""))
        if mismatch.kind != "value":
            continue
        lines.append(f"  values:   expected {mismatch.expected!r}, got {mismatch.got!r}")
        if softmax_ce:
            lines += softmax.explain(run, mismatch)
            continue
        if not run.prepared.symbolic:
            lines.append("  terms:    (not recovered: the instance is checked by exact "
                         "evaluation without expanding its polynomials; check a smaller "
                         "spec for the term-level report)")
        name = mismatch.gradient[1:]
        if name in recovered:
            expected_terms, got_terms, how = recovered[name]
            lines.append(f"  expected: {show(run, expected_terms)}")
            if how == "non-finite":
                lines.append(f"  got:      {mismatch.got!r}, not a finite number, where the "
                             f"derived gradient is a polynomial of finite inputs")
            elif got_terms is None:
                lines.append("  got:      (polynomial not recovered: fn neither runs on "
                             "symbolic arrays nor is bilinear under one-hot probing)")
            else:
                lines.append(f"  got:      {show(run, got_terms)}    [{how}]")
                lines += [f"  {line}" for line in term_difference(run, expected_terms,
                                                                    got_terms)]
        lines += [f"  diagnosis: {text}" for text in diagnose(run, mismatch, recovered)]
    return "\n".join(lines)


def expected_terms(run, name: str, flat: int, values: np.ndarray) -> dict:
    """The derived polynomial of one entry over symbol ids, region indicators evaluated at
    the point (max pooling and ReLU: the arg-max and signs are known there)."""
    prepared = run.prepared
    indicator_ids = {symbol_id for symbol_id, _, _ in prepared.indicators}
    terms: dict = {}
    for mono, c in prepared.compiled[name].polynomials.flat[flat].items():
        ids = [prepared.ids[symbol] for symbol in mono]
        if any(values[i] == 0 for i in ids if i in indicator_ids):
            continue
        key = tuple(sorted(i for i in ids if i not in indicator_ids))
        terms[key] = terms.get(key, 0) + (c if isinstance(c, Fraction) else Fraction(c))
    return {m: c for m, c in terms.items() if c}


def recover_all(run) -> dict:
    """``{gradient: (expected terms, got terms or None, how)}`` for the first wrong entry of
    each wrong gradient."""
    wanted, numbers = {}, {}
    for mismatch in run.result.mismatches:
        if mismatch.kind == "value":
            name = mismatch.gradient[1:]
            flat = int(np.ravel_multi_index(mismatch.index, run.prepared.compiled[name].shape))
            wanted[name], numbers[name] = [flat], mismatch.point
    found = {}
    by_point: dict[int, dict] = {}
    for name, number in numbers.items():
        by_point.setdefault(number, {})[name] = wanted[name]
    symbolic = {}
    for number, names in by_point.items():
        symbolic[number] = symbolic_polynomials(run, number, names) or {}
    for name, number in numbers.items():
        values = run.prepared.values(run.points[number].arrays)
        flat = wanted[name][0]
        expected = expected_terms(run, name, flat, values)
        observed = float(run.got[number][name].flat[flat])
        if not math.isfinite(observed):   # an inf or NaN has no terms to recover
            found[name] = (expected, None, "non-finite")
            continue
        if any(note.startswith(f"d{name} is not a fixed function") for note in
               run.result.notes):
            found[name] = (expected, None, "not a fixed function")
            continue
        got = symbolic[number].get(name, {}).get(flat)
        how = "symbolic run"
        if got is None or not reproduces(got, values, observed):
            factors = sorted({run.prepared.names[i][0] for mono in expected for i in mono
                              if not isinstance(run.prepared.names[i], str)},
                             key=lambda letter: ORDER.get(letter, 9))
            factors = [f for f in factors if f in run.convention.arguments] or ["G"]
            got = probe_polynomial(run, number, name, flat, factors[:2])
            how = "one-hot probing"
            if got is not None and not reproduces(got, values, observed):
                got = None
        found[name] = (expected, got, how)
    return found


def reproduces(terms: dict, values: np.ndarray, observed: float) -> bool:
    value = evaluate_terms(terms, values)
    return abs(value - observed) <= 1e-9 * max(1.0, abs(observed))


def coefficient_text(c) -> str:
    c = Fraction(c)
    return str(c.numerator) if c.denominator == 1 else f"{c.numerator}/{c.denominator}"


def monomial_text(run, mono: tuple) -> str:
    names = sorted((run.prepared.symbol_name(i) for i in mono),
                   key=lambda text: (ORDER.get(text[0], 9), text))
    return "·".join(names)


def show(run, terms: dict) -> str:
    """``G[0,0,0,0]·W[0,0,1,1] + 1/9·G[...] + ...`` (at most :data:`SHOWN_TERMS` terms)."""
    if not terms:
        return "0"
    parts = []
    items = sorted(terms.items(), key=lambda item: monomial_text(run, item[0]))
    for mono, c in items[:SHOWN_TERMS]:
        factor = monomial_text(run, mono)
        if not mono:
            text = coefficient_text(c)
        elif c == 1:
            text = factor
        elif c == -1:
            text = f"-{factor}"
        else:
            text = f"{coefficient_text(c)}·{factor}"
        parts.append(text)
    text = " + ".join(parts).replace("+ -", "- ")
    if len(items) > SHOWN_TERMS:
        text += f" + ... ({len(items)} terms)"
    return text


def term_difference(run, expected: dict, got: dict) -> list[str]:
    missing = {m: c for m, c in expected.items() if got.get(m) != c}
    extra = {m: c for m, c in got.items() if expected.get(m) != c}
    lines = []
    if missing:
        lines.append(f"missing:  {show(run, missing)}")
    if extra:
        lines.append(f"extra:    {show(run, extra)}")
    return lines


def diagnose(run, mismatch, recovered: dict) -> list[str]:
    """Names of common mistakes that explain the wrong gradient."""
    name = mismatch.gradient[1:]
    # a whole gradient reversed explains every entry; the term maps would name one entry's
    # shift (with 2 taps, tap 0 reads X one step on)
    reversal = flipped_mistake(name, *gradient_values(run, mismatch))
    found = list(reversal)
    if not reversal and name in recovered and recovered[name][1] is not None:
        found += polynomial_mistakes(run, *recovered[name][:2])
    found += numeric_mistakes(run, mismatch, reversal)
    if any(note.startswith(f"{mismatch.gradient} is not a fixed function")
           for note in run.result.notes):
        found.append("not one fixed polynomial of the inputs: a second call with the same "
                     "arrays differs (state kept between calls, or uninitialised memory)")
    unique = []
    for text in found:
        if text not in unique:
            unique.append(text)
    return unique


FACTOR_LIMIT = 1024
"""The largest numerator and denominator of a factor the report calls a uniform scale (a
batch size, a window size, 2, -1); a ratio like 2873 or 4503598563239157/2^52 is a value
of the point or rounding, not a mistaken constant."""


def plausible_factor(factor: Fraction) -> bool:
    """A ratio got/expected that reads as a mistaken constant: not 0 or 1, small terms."""
    return (factor not in (0, 1) and abs(factor.numerator) <= FACTOR_LIMIT
            and factor.denominator <= FACTOR_LIMIT)


def factor_text(run, ratio: float) -> str:
    text = f"every entry is {coefficient_text(rational(ratio))} times the right value"
    batch = getattr(run.prepared.spec, "batch", 1)
    if batch > 1 and abs(ratio * batch - 1) < 1e-12:
        text += (f": a uniform 1/N factor (N = {batch}; batch-averaged gradients, while "
                 f"dy is already dL/dO)")
    if batch > 1 and abs(ratio - batch) < 1e-9:
        text += f": a factor N = {batch} (the 1/N of the batch mean is missing)"
    return text


def polynomial_mistakes(run, expected: dict, got: dict) -> list[str]:
    found = []
    if not got:
        return ["the entry is 0 (no terms): a contribution is never added"]
    if expected and set(expected) == set(got):
        ratios = {Fraction(got[m] / expected[m]) for m in expected}
        factor = ratios.pop() if len(ratios) == 1 else None
        if factor is not None and plausible_factor(factor):
            found.append(f"the terms are right but scaled by {coefficient_text(factor)}")
    for description, mapping in index_maps(run):
        if expected and transform(expected, mapping) == got:
            found.append(description)
            break   # the first (most specific) explanation: a full flip before one axis
    if set(got) < set(expected):
        found.append("terms are missing (a contribution lost: overwritten instead of added, "
                     "or a window, row or padding case skipped)")
    return found


def index_maps(run):
    """Candidate mistakes as maps of symbol ids: kernel not flipped, an index off by one."""
    prepared = run.prepared
    arrays = prepared.arrays()
    spatial_from = 2 if prepared.layer.name != "linear" else 0
    if prepared.layer.name == "conv":
        w = arrays["W"]
        offset = prepared.offsets["W"]
        flipped = {}
        for index in np.ndindex(*w.shape):
            turned = index[:2] + tuple(k - 1 - j for k, j in zip(w.shape[2:], index[2:]))
            flipped[offset + np.ravel_multi_index(index, w.shape)] = \
                offset + np.ravel_multi_index(turned, w.shape)
        yield "the kernel is not flipped (a correlation with W where rot180(W) is needed)", \
            flipped
        rank = len(w.shape) - 2
        for axis in range(rank if rank > 1 else 0):
            partly = {}
            for index in np.ndindex(*w.shape):
                turned = list(index)
                turned[2 + axis] = w.shape[2 + axis] - 1 - index[2 + axis]
                partly[offset + np.ravel_multi_index(index, w.shape)] = \
                    offset + np.ravel_multi_index(turned, w.shape)
            others = [a for a in range(rank) if a != axis]
            yield (f"the kernel is flipped on spatial ax{'es' if len(others) > 1 else 'is'} "
                   f"{', '.join(map(str, others))} but not on axis {axis} (rot180 reverses "
                   f"every axis)"), partly
    for letter in ("G", "X", "W"):
        if letter not in arrays or prepared.layer.name == "linear":
            continue
        shape = arrays[letter].shape
        offset = prepared.offsets[letter]
        for axis in range(spatial_from, len(shape)):
            for step in (1, -1):
                mapping = {}
                for index in np.ndindex(*shape):
                    moved = list(index)
                    moved[axis] += step
                    source = offset + np.ravel_multi_index(index, shape)
                    mapping[source] = (offset + np.ravel_multi_index(moved, shape)
                                       if 0 <= moved[axis] < shape[axis] else None)
                yield (f"an index shifted by one: {letter}'s axis {axis} is read at "
                       f"{'+1' if step > 0 else '-1'}"), mapping


def transform(terms: dict, mapping: dict) -> dict:
    result = {}
    for mono, c in terms.items():
        moved = [mapping.get(i, i) for i in mono]
        if None in moved:
            continue
        key = tuple(sorted(moved))
        result[key] = result.get(key, 0) + c
    return {m: c for m, c in result.items() if c}


def gradient_values(run, mismatch) -> tuple[np.ndarray, np.ndarray]:
    """The mismatched gradient as ``fn`` returned it and as derived, at the failing point."""
    name = mismatch.gradient[1:]
    return run.got[mismatch.point][name], run.expected[mismatch.point][name][0]


def numeric_mistakes(run, mismatch, reversal: list[str]) -> list[str]:
    found = []
    name = mismatch.gradient[1:]
    number = mismatch.point
    got, want = gradient_values(run, mismatch)
    nonzero = want != 0
    if np.count_nonzero(nonzero) >= 2 and np.all(got[~nonzero] == 0):
        ratios = got[nonzero] / want[nonzero]   # one entry's ratio would say nothing
        if (np.allclose(ratios, ratios.flat[0], rtol=1e-12, atol=0)
                and plausible_factor(rational(float(ratios.flat[0])))):
            found.append(factor_text(run, float(ratios.flat[0])))
    point = run.points[number]
    if point.label.startswith("shared arg-max"):
        found.append("wrong only where overlapping windows share their arg-max: the gradient "
                     "of one window overwrites another's (assignment instead of +=)")
    if point.label.startswith("negative point"):
        found.append("wrong only where every input is negative: windows over the padding "
                     "pick the padding (padded with 0 instead of -inf?)")
    found += leftover_mistake(run, name, got, want)
    if not reversal:   # a reversal is reported first by diagnose
        found += shifted_mistake(name, got, want)
    if run.prepared.layer.name == "relu" and got.shape == want.shape:
        dy, x = point.arrays["G"], point.arrays["X"]
        if np.array_equal(got, dy * (x < 0)):   # first: at small sizes it can match both
            found.append("the mask is inverted (dX = dY [X < 0] instead of dY [X > 0])")
        elif np.array_equal(got, dy * (dy > 0)):
            found.append("the mask is the sign of dy, not of x (dX = dY [dY > 0])")
    if run.prepared.layer.name == "conv" and name == "X":
        w = point.arrays["W"]
        turned = w[(Ellipsis, *(slice(None, None, -1),) * (w.ndim - 2))]
        try:
            again = run.call(point, {"W": turned})["X"]
            if again is not None and again.shape == want.shape and np.array_equal(again, want):
                found.append("the kernel is not flipped (a correlation with W where rot180(W) "
                             "is needed)")
        except Exception:  # noqa: BLE001 - a diagnosis only
            pass
    return found


def leftover_mistake(run, name: str, got: np.ndarray, want: np.ndarray) -> list[str]:
    """Wrong entries only in the last r positions of an axis: the leftover r ignored."""
    window = getattr(run.prepared.spec, "window", None)
    if window is None or name != "X" or got.shape != want.shape:
        return []
    wrong = got != want
    for axis, r in enumerate(window.leftover):
        if r == 0:
            continue
        tail = np.zeros_like(wrong)
        index = [slice(None)] * wrong.ndim
        index[2 + axis] = slice(wrong.shape[2 + axis] - r, None)
        tail[tuple(index)] = True
        if wrong.any() and not (wrong & ~tail).any():
            return [f"only the last r = {r} positions of spatial axis {axis} are wrong: the "
                    f"leftover r (input positions no window reaches) is mishandled"]
    return []


def flipped_mistake(name: str, got: np.ndarray, want: np.ndarray) -> list[str]:
    """``got`` = ``want`` with some spatial axes reversed (all of them: rot180 of the right
    gradient). Checked before :func:`shifted_mistake` and the term maps: along an axis of 2
    entries a reversal is also a shift by one on the one entry both share."""
    if (not isinstance(got, np.ndarray) or got.shape != want.shape or got.ndim < 3
            or np.array_equal(got, want)):
        return []
    spatial = range(2, got.ndim)
    for count in range(len(spatial), 0, -1):  # every axis first, then fewer
        for axes in itertools.combinations(spatial, count):
            turned = want[tuple(slice(None, None, -1) if axis in axes else slice(None)
                                for axis in range(got.ndim))]
            if not np.array_equal(got, turned):
                continue
            if count == len(spatial):
                cause = (" (a true convolution of x with dy where their cross-correlation is "
                         "needed?)" if name == "W" else "")
                return [f"d{name} is rot180 of the right d{name}: every spatial axis "
                        f"reversed{cause}"]
            listed = ", ".join(str(axis - 2) for axis in axes)
            return [f"d{name} is reversed on spatial ax{'es' if count > 1 else 'is'} {listed} "
                    f"only (rot180 reverses every axis)"]
    return []


def shifted_mistake(name: str, got: np.ndarray, want: np.ndarray) -> list[str]:
    """``got[u] = want[u - delta]`` wherever both exist, for a small spatial ``delta``."""
    if got.shape != want.shape or got.ndim < 3:
        return []
    spatial = got.ndim - 2
    for delta in np.ndindex(*(5,) * spatial):
        delta = tuple(d - 2 for d in delta)
        if not any(delta) or any(abs(d) >= n for d, n in zip(delta, got.shape[2:])):
            continue
        target = [slice(None)] * 2 + [slice(max(d, 0), n + min(d, 0))
                                      for d, n in zip(delta, got.shape[2:])]
        source = [slice(None)] * 2 + [slice(max(-d, 0), n + min(-d, 0))
                                      for d, n in zip(delta, got.shape[2:])]
        if np.array_equal(got[tuple(target)], want[tuple(source)]):
            shift = ", ".join(f"{d:+d}" for d in delta)
            return [f"d{name} is shifted: d{name}[u] holds the right value of "
                    f"d{name}[u - ({shift})] (an index off by {max(map(abs, delta))}; a "
                    f"padding cropped on the wrong side?)"]
    return []
