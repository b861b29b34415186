"""Recover the polynomial an implementation computes for one entry of a gradient.

Two ways, tried in order:

1. **Symbolic run.** ``fn`` is called on object arrays of :class:`Poly` — a light polynomial
   over integer symbol ids — in a forked child process with a timeout (strided views of
   object arrays can crash the interpreter; a loop over a large instance can take long).
   Loops, ``np.dot``, ``@``, ``np.einsum``, ``np.pad`` and ``np.add.at`` work on object
   arrays; in the child ``np.zeros``/``np.empty``/``np.ones`` (and ``_like``) of a float
   type make object arrays, so ``dx = np.zeros(x.shape)`` works too.
2. **Probing with one-hot inputs**, for code that only runs on numbers (PyTorch, SciPy,
   ``astype``): ``dy = e_a`` finds which upstream entries an output entry depends on, then
   ``dy = e_a, w = e_b`` (or ``x = e_b``) reads each coefficient, assuming the gradient is
   bilinear in the two arrays (what a backward pass is).

Either result is kept only if it reproduces the value ``fn`` returned at the test point.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from fractions import Fraction

import numpy as np

SYMBOLIC_TIMEOUT = 10.0
PROBE_CALLS = 2000
PROBE_SECONDS = 10.0


class Poly:
    """A polynomial ``{sorted tuple of symbol ids: Fraction}`` with the arithmetic NumPy's
    object arrays need (``+ - * /`` with numbers and with each other)."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict | None = None):
        self.terms = terms or {}

    @staticmethod
    def of(value) -> Poly:
        if isinstance(value, Poly):
            return value
        if isinstance(value, (bool, np.bool_)):
            value = int(value)
        number = Fraction(float(value)) if isinstance(value, (float, np.floating)) \
            else Fraction(int(value))
        return Poly({(): number} if number else {})

    def __add__(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        other = Poly.of(other)
        terms = dict(self.terms)
        for mono, c in other.terms.items():
            total = terms.get(mono, 0) + c
            if total:
                terms[mono] = total
            else:
                terms.pop(mono, None)
        return Poly(terms)

    __radd__ = __add__

    def __neg__(self):
        return Poly({m: -c for m, c in self.terms.items()})

    def __pos__(self):
        return self

    def __sub__(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        return self + (-Poly.of(other))

    def __rsub__(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        return Poly.of(other) + (-self)

    def __mul__(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        other = Poly.of(other)
        terms: dict = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                mono = tuple(sorted(m1 + m2))
                total = terms.get(mono, 0) + c1 * c2
                if total:
                    terms[mono] = total
                else:
                    terms.pop(mono, None)
        return Poly(terms)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        divisor = Poly.of(other).terms
        if set(divisor) != {()}:
            raise TypeError("division by a polynomial")
        return Poly({m: c / divisor[()] for m, c in self.terms.items()})

    def __float__(self):
        raise TypeError("a symbolic entry has no float value")


def _floating(dtype) -> bool:
    return dtype is None or dtype is float or np.issubdtype(np.dtype(dtype), np.floating)


def _patch_numpy() -> None:
    """In the child only: float ``zeros``/``empty``/``ones``/``full`` make object arrays."""
    original = {name: getattr(np, name) for name in
                ("zeros", "empty", "ones", "zeros_like", "empty_like", "ones_like", "full")}

    def filled(shape, value):
        array = original["empty"](shape, dtype=object)
        array.fill(value)
        return array

    def maker(name, value):
        def make(shape, dtype=None, *args, **kwargs):
            if _floating(dtype):
                return filled(shape, value)
            return original[name](shape, dtype, *args, **kwargs)
        return make

    def like(name, value):
        def make(a, dtype=None, *args, **kwargs):
            array = np.asarray(a) if not hasattr(a, "dtype") else a
            if _floating(dtype if dtype is not None else array.dtype) or array.dtype == object:
                shape = kwargs.get("shape") or np.shape(a)
                return filled(shape, value)
            return original[name](a, dtype, *args, **kwargs)
        return make

    def full(shape, fill_value, dtype=None, *args, **kwargs):
        floating = (_floating(dtype) if dtype is not None
                    else isinstance(fill_value, (float, np.floating)))
        if floating:
            return filled(shape, fill_value)
        return original["full"](shape, fill_value, dtype, *args, **kwargs)

    np.zeros, np.empty, np.ones = maker("zeros", 0), maker("empty", 0), maker("ones", 1)
    np.zeros_like, np.empty_like = like("zeros_like", 0), like("empty_like", 0)
    np.ones_like, np.full = like("ones_like", 1), full


def symbolic_array(offset: int, shape: tuple[int, ...]) -> np.ndarray:
    array = np.empty(shape, dtype=object)
    for flat in range(array.size):
        array.flat[flat] = Poly({(offset + flat,): Fraction(1)})
    return array


def _terms(entry) -> dict:
    if isinstance(entry, Poly):
        return dict(entry.terms)
    return Poly.of(entry).terms


def _child(run, number: int, symbolic: tuple[str, ...], wanted: dict, connection) -> None:
    try:
        _patch_numpy()
        point = run.points[number]
        arguments = []
        for name in run.convention.arguments:
            if name in symbolic:
                shape = point.arrays[name].shape
                arguments.append(symbolic_array(run.prepared.offsets[name], shape))
            else:
                arguments.append(np.array(point.arrays[name], copy=True))
        value = run.fn(*arguments)
        outputs = [value] if len(run.convention.outputs) == 1 else list(value)
        result = {}
        for name, output in zip(run.convention.outputs, outputs):
            if name in wanted:
                array = np.asarray(output, dtype=object)
                result[name] = {flat: _terms(array.flat[flat]) for flat in wanted[name]}
        connection.send(result)
    except BaseException:  # noqa: BLE001 - any failure means "not recovered"
        connection.send(None)
    finally:
        connection.close()
        os._exit(0)


def symbolic_polynomials(run, number: int, wanted: dict[str, list[int]],
                         timeout: float = SYMBOLIC_TIMEOUT) -> dict | None:
    """``{gradient: {flat index: terms}}`` from a symbolic run, or ``None``."""
    symbolic = ("G",) if run.prepared.layer.name in ("maxpool", "relu") \
        else tuple(n for n in run.convention.arguments)
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return None
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(run, number, symbolic, wanted, sender))
    process.start()
    sender.close()
    result = None
    try:
        if receiver.poll(timeout):
            result = receiver.recv()
    except (EOFError, OSError):
        result = None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    return result


def probe_polynomial(run, number: int, name: str, flat: int, factors: list[str]) -> dict | None:
    """The terms of entry ``flat`` of gradient ``name`` by one-hot probing of ``factors``
    (``["G"]`` or ``["G", "W"]``...); ``None`` over the call or time budget."""
    point = run.points[number]
    start, calls = time.perf_counter(), [0]

    def value(replace: dict) -> float:
        calls[0] += 1
        if calls[0] > PROBE_CALLS or time.perf_counter() - start > PROBE_SECONDS:
            raise TimeoutError
        got = run.call(point, replace)[name]
        return float(got.flat[flat])

    def one_hot(array_name: str, position: int | None) -> np.ndarray:
        array = np.zeros(point.arrays[array_name].shape)
        if position is not None:
            array.flat[position] = 1.0
        return array

    first, offsets = factors[0], run.prepared.offsets
    try:
        base = value({first: one_hot(first, None)})
        contributing = {}
        for a in range(point.arrays[first].size):
            y = value({first: one_hot(first, a)}) - base
            if y:
                contributing[a] = y
        terms: dict = {}
        if base:
            terms[()] = rational(base)
        if len(factors) == 1:
            for a, y in contributing.items():
                terms[(offsets[first] + a,)] = rational(y)
            return terms
        second = factors[1]
        for a in contributing:
            alone = value({first: one_hot(first, a), second: one_hot(second, None)})
            if alone:
                terms[(offsets[first] + a,)] = rational(alone)
            for b in range(point.arrays[second].size):
                c = value({first: one_hot(first, a), second: one_hot(second, b)}) - alone
                if c:
                    terms[tuple(sorted((offsets[first] + a, offsets[second] + b)))] = rational(c)
        return terms
    except TimeoutError:
        return None


def rational(value: float) -> Fraction:
    """A probed coefficient as a small fraction when it is one (1/9 read as 0.111...)."""
    exact = Fraction(value)
    close = exact.limit_denominator(1000)
    return close if abs(float(close) - value) <= 1e-12 * max(1.0, abs(value)) else exact


def evaluate_terms(terms: dict, values: np.ndarray) -> float:
    total = 0.0
    for mono, c in terms.items():
        product = float(c)
        for symbol_id in mono:
            product *= values[symbol_id]
        total += product
    return total
