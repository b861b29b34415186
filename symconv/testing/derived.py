"""The derivation a check compares against, compiled for fast exact evaluation.

Every symbol of a layer (the entries of ``G``, ``X``, ``W``, ``b``... and the region
indicators of max pooling and ReLU) gets an integer id; id 0 is the constant 1. A derived
gradient polynomial becomes, per monomial length, an array of (entry, coefficient, symbol
ids) rows, so evaluating every entry at a point is one gather, one product and one
``bincount``. With integer values small enough (see :func:`value_range`) every product and
partial sum is an integer below 2**53, so float64 evaluation is exact.

Derivations are cached per ``(layer, spec)`` within a process (specs are frozen dataclasses).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy

from symconv.engine.budget import check_budget
from symconv.engine.contract import Layer, SymbolicForward
from symconv.layers.pool.maxpool import indicator, window_args
from symconv.layers.relu.maths import region

EXACT_LIMIT = 2 ** 50
"""Largest absolute sum of terms allowed in one entry: float64 integers are exact to 2**53."""
EPSILON = 2.0 ** -52
MAX_VALUE = 4096
"""Largest random integer drawn (the Schwartz–Zippel set is [-R, R], R <= 4096)."""


@dataclass
class Compiled:
    """One derived gradient array, as rows ``coefficient * prod(values[ids])`` per entry."""

    name: str
    shape: tuple[int, ...]
    groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # (entries, coefficients, ids)
    degree: int          # largest number of randomly drawn symbols in one monomial
    rational: bool       # some coefficient is not an integer
    weight: float        # largest sum of |coefficient| over the terms of one entry
    terms: np.ndarray    # number of terms of each entry (flat)
    polynomials: np.ndarray  # the derived polynomials (object array), for the report

    def evaluate(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(value, sum of |term|)`` of every entry at ``values`` (indexed by symbol id)."""
        size = int(np.prod(self.shape))
        total = np.zeros(size)
        absolute = np.zeros(size)
        for entries, coefficients, ids in self.groups:
            products = coefficients * np.prod(values[ids], axis=1)
            total += np.bincount(entries, products, minlength=size)
            absolute += np.bincount(entries, np.abs(products), minlength=size)
        return total.reshape(self.shape), absolute.reshape(self.shape)


@dataclass
class Prepared:
    """A layer's symbols, forward and derived gradients, ready to evaluate at points."""

    layer: Layer
    spec: object
    forward: SymbolicForward
    derived: dict[str, np.ndarray]
    ids: dict = field(default_factory=dict)          # symbol -> id
    names: list = field(default_factory=list)        # id -> (array name, index) or text
    offsets: dict = field(default_factory=dict)      # array name -> first id
    indicators: list = field(default_factory=list)   # (id, kind, data) of region symbols
    compiled: dict = field(default_factory=dict)     # gradient name -> Compiled
    reference: object = None                         # softmax-ce: (function, shape)

    @property
    def size(self) -> int:
        return len(self.names)

    def arrays(self) -> dict[str, object]:
        """The symbol arrays (inputs and the upstream gradient ``G``) by name."""
        arrays = dict(self.forward.inputs)
        if self.forward.upstream is not None:
            arrays["G"] = self.forward.upstream
        return arrays

    def values(self, point: dict[str, np.ndarray]) -> np.ndarray:
        """The value of every symbol id at ``point`` (arrays by name), indicators included."""
        values = np.ones(self.size)
        for name, array in point.items():
            if name in self.offsets:
                start = self.offsets[name]
                values[start:start + array.size] = np.asarray(array, dtype=float).ravel()
        x = point.get("X")
        for symbol_id, kind, data in self.indicators:
            if kind == "max":
                window, winner = data
                best = max(window, key=lambda index: x[index])
                values[symbol_id] = float(best == winner)
            else:
                index, sign = data
                values[symbol_id] = float(x[index] > 0 if sign == ">" else x[index] < 0)
        return values

    symbolic = True

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The arrays a point draws: the inputs and the upstream gradient ``G``."""
        return {name: array.shape for name, array in self.arrays().items()}

    @property
    def degree(self) -> int:
        return max((c.degree for c in self.compiled.values()), default=1) or 1

    @property
    def rational(self) -> bool:
        return any(c.rational for c in self.compiled.values())

    def value_limit(self) -> int:
        return value_range(self)

    def expect(self, arrays: dict[str, np.ndarray]) -> dict:
        """``{gradient: (value, tolerance per entry)}`` at the point ``arrays``: exact for
        integer coefficients; rational ones get ``8 (terms + 2) eps (sum of |term|)``."""
        if self.layer.name == "softmax-ce":
            import mpmath

            from symconv.testing.softmax import with_tolerance
            function, shape = softmax_reference(self)
            values = list(arrays["Z"].ravel()) + list(arrays["Y"].ravel())
            with mpmath.workdps(40):
                value = np.array([float(v) for v in
                                  function(*[mpmath.mpf(a) for a in values])])
            return {"Z": with_tolerance(value.reshape(shape), arrays["Y"])}
        values = self.values(arrays)
        expected = {}
        for name, compiled in self.compiled.items():
            value, absolute = compiled.evaluate(values)
            tolerance = (8 * (compiled.terms.reshape(compiled.shape) + 2) * EPSILON * absolute
                         if compiled.rational else np.zeros(compiled.shape))
            expected[name] = (value, tolerance)
        return expected

    def symbol_name(self, symbol_id: int) -> str:
        name = self.names[symbol_id]
        if isinstance(name, str):
            return name
        array, index = name
        return f"{array}[{','.join(str(i) for i in index)}]"


_CACHE: dict = {}


def prepare(layer: Layer, spec, derivation=None) -> Prepared:
    """The compiled derivation of ``layer`` on ``spec``: from ``derivation`` when given (a
    :class:`~symconv.engine.pipeline.Derivation` of that spec), else derived here (forward and
    chain rule only: the closed forms are not needed to check an implementation)."""
    key = (layer.name, spec)
    if key not in _CACHE:
        if derivation is not None:
            forward, derived = derivation.forward, derivation.derived
        else:
            forward, derived = derive_only(layer, spec)
        _CACHE[key] = compile_derivation(layer, spec, forward, derived)
    return _CACHE[key]


def derive_only(layer: Layer, spec) -> tuple[SymbolicForward, dict]:
    check_budget(layer.name, layer.max_terms, spec)
    paused = gc.isenabled()
    gc.disable()
    try:
        forward = layer.symbolic_forward(spec)
        return forward, layer.derive(forward)
    finally:
        if paused:
            gc.enable()


def compile_derivation(layer: Layer, spec, forward: SymbolicForward, derived) -> Prepared:
    prepared = Prepared(layer, spec, forward, derived)
    prepared.names.append("1")
    for name, array in prepared.arrays().items():
        prepared.offsets[name] = len(prepared.names)
        for index in np.ndindex(*array.shape):
            prepared.ids[array.entries[index]] = len(prepared.names)
            prepared.names.append((name, index))
    random_ids = len(prepared.names)
    _add_indicators(prepared)
    if layer.name == "softmax-ce":
        return prepared
    for name in forward.inputs:
        if name in derived:
            prepared.compiled[name] = _compile(name, derived[name], prepared.ids, random_ids)
    return prepared


def _add_indicators(prepared: Prepared) -> None:
    """Ids for ``[X_w = max O_i]`` (max pooling) and ``[X_u > 0]``, ``[X_u < 0]`` (ReLU)."""
    forward = prepared.forward
    x = forward.inputs.get("X")

    def add(symbol, kind, data):
        prepared.ids[symbol] = len(prepared.names)
        prepared.indicators.append((len(prepared.names), kind, data))
        prepared.names.append(symbol.name)

    if prepared.layer.name == "maxpool":
        for index, output in np.ndenumerate(forward.output):
            entries = window_args(output)
            window = [x.index_of[entry] for entry in entries]
            for entry in entries:
                add(indicator(forward.upstream[index], entry), "max",
                    (window, x.index_of[entry]))
    elif prepared.layer.name == "relu":
        for symbol, index in x.index_of.items():
            add(region(symbol, ">"), "sign", (index, ">"))
            add(region(symbol, "<"), "sign", (index, "<"))


def _compile(name: str, gradient: np.ndarray, ids: dict, random_ids: int) -> Compiled:
    rows: dict[int, tuple[list, list, list]] = {}
    weights = np.zeros(gradient.size)
    terms = np.zeros(gradient.size, dtype=np.int64)
    degree, rational = 0, False
    for flat, poly in enumerate(gradient.flat):
        terms[flat] = len(poly)
        for mono, coefficient in poly.items():
            entries, coefficients, symbols = rows.setdefault(len(mono), ([], [], []))
            entries.append(flat)
            coefficients.append(float(coefficient))
            symbol_ids = [ids[symbol] for symbol in mono]
            symbols.append(symbol_ids)
            weights[flat] += abs(coefficient)
            degree = max(degree, sum(i < random_ids for i in symbol_ids))
            rational = rational or isinstance(coefficient, Fraction)
    groups = []
    for length, (entries, coefficients, symbols) in sorted(rows.items()):
        id_array = (np.array(symbols, dtype=np.int64).reshape(len(entries), length)
                    if length else np.zeros((len(entries), 1), dtype=np.int64))
        groups.append((np.array(entries, dtype=np.int64), np.array(coefficients), id_array))
    return Compiled(name, gradient.shape, groups, degree, rational,
                    float(weights.max(initial=0)), terms, gradient)


def value_range(prepared: Prepared) -> int:
    """``R``: the largest integer drawn, so that every entry's sum of |terms| stays below
    :data:`EXACT_LIMIT` (each term is at most ``|c| R^degree``).

    >>> value_range.__doc__ is not None
    True
    """
    limit = MAX_VALUE
    for compiled in prepared.compiled.values():
        if compiled.degree and compiled.weight:
            fit = int((EXACT_LIMIT / compiled.weight) ** (1 / compiled.degree))
            limit = min(limit, fit)
    return max(limit, 2)


def softmax_reference(prepared: Prepared):
    """``dZ`` of softmax-ce as a function of (Z values, one-hot Y), evaluated with 40-digit
    mpmath arithmetic from SymPy's own derivative (cached on ``prepared``)."""
    if prepared.reference is None:
        z, y = prepared.forward.inputs["Z"], prepared.forward.inputs["Y"]
        symbols = list(z.entries.flat) + list(y.entries.flat)
        gradient = prepared.derived["Z"]
        function = sympy.lambdify(symbols, list(gradient.flat), modules="mpmath")
        prepared.reference = (function, gradient.shape)
    return prepared.reference
