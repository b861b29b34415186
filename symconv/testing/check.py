"""Check anyone's backward implementation against the derivation, exactly.

``fn`` has the signature of the generated module's ``backward`` for the layer (PyTorch
layouts, float64): conv and linear ``fn(dy, x, w) -> (dx, dw, db)``; pooling and ReLU
``fn(dy, x) -> dx``; softmax-ce ``fn(z, y) -> dz`` with class indices ``y``. It is called
at a few points of random integers, small enough that every product and partial sum is an
exact float64 integer, and each returned entry is compared with the derived polynomial
evaluated at the same point: equal, or not. Two different polynomials of degree at most D
agree at a random point of [-R, R]^n with probability at most D / (2R + 1)
(Schwartz–Zippel), so k independent points bound the chance that a wrong gradient passes by
(D / (2R + 1))^k.

The derived polynomials are expanded symbolically (:mod:`symconv.testing.derived`, which
gives the term-level report) up to :data:`SYMBOLIC_TERMS` forward terms; larger instances of
conv, linear, ReLU and softmax-ce are evaluated exactly without expansion
(:mod:`symconv.testing.numeric`). Softmax-ce is not a polynomial: see
:mod:`symconv.testing.softmax` for its tolerance and what a pass guarantees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import symconv.testing.softmax as softmax
from symconv.engine.budget import check_budget
from symconv.engine.contract import Layer
from symconv.errors import SpecError
from symconv.layers.registry import layer_named
from symconv.layers.specs import checked_spec
from symconv.testing.derived import Prepared, prepare
from symconv.testing.numeric import NUMERIC_LAYERS, Numeric

TARGET_BOUND = 1e-13
"""Points are added until the Schwartz–Zippel bound is below this (the aim is < 1e-12)."""
SYMBOLIC_TERMS = 150_000
"""Largest instance (forward terms) whose derived polynomials are expanded for a check."""
SOFTMAX_SYMBOLIC_TERMS = 16
"""Largest softmax-ce instance compared with SymPy's own derivative (its cost grows like
C**3; 32 classes take half a minute); larger ones use the proven closed form."""


def describe(error: BaseException) -> str:
    """``TypeName: first line of the message``, even when the message itself fails."""
    try:
        text = str(error)
    except Exception:  # noqa: BLE001 - a broken __str__ must not crash the check
        text = "(its message could not be printed)"
    return f"{type(error).__name__}: {text}".splitlines()[0] if text else type(error).__name__


@dataclass(frozen=True)
class Convention:
    """How ``fn`` is called: the arrays it takes, in order, and the gradients it returns."""

    arguments: tuple[str, ...]
    outputs: tuple[str, ...]


CONVENTIONS = {
    "conv": Convention(("G", "X", "W"), ("X", "W", "b")),
    "linear": Convention(("G", "X", "W"), ("X", "W", "b")),
    "maxpool": Convention(("G", "X"), ("X",)),
    "avgpool": Convention(("G", "X"), ("X",)),
    "relu": Convention(("G", "X"), ("X",)),
    "softmax-ce": Convention(("Z", "y"), ("Z",)),
}
ARGUMENT_NAMES = {"G": "dy", "X": "x", "W": "w", "Z": "z", "y": "y"}


def gradient_label(name: str) -> str:
    """``"X"`` -> ``"dX"``."""
    return "d" + name


@dataclass
class Mismatch:
    """The first point where one gradient is wrong, and how."""

    gradient: str                 # "dX"
    kind: str                     # value | shape | type | unstable
    message: str
    point: int = 0
    index: tuple | None = None    # the first differing entry
    expected: float | None = None
    got: float | None = None
    differing: int = 0
    entries: int = 0

    def as_dict(self) -> dict:
        return {"gradient": self.gradient, "kind": self.kind, "message": self.message,
                "point": self.point, "index": None if self.index is None else list(self.index),
                "expected": self.expected, "got": self.got, "differing": self.differing,
                "entries": self.entries}


@dataclass
class Point:
    """One test point: the arrays by name (``G``, ``X``, ``W``, ``b``; ``Z``, ``Y``, ``y``)."""

    label: str
    arrays: dict[str, np.ndarray]


@dataclass
class CheckResult:
    """The verdict of :func:`check_backward`.

    ``passed``: every gradient returned equals the derived one at every point;
    ``mismatches``: one :class:`Mismatch` per wrong gradient; ``bound``: the probability
    that a wrong gradient passes (``None`` for softmax-ce, which is not a polynomial: its
    ``guarantee`` says what a pass means there); ``guarantee``: that statement in words;
    ``skipped``: gradients ``fn`` returned as ``None``; ``mutated``: arguments ``fn``
    changed in place (reported, not a failure: ``fn`` got copies); ``error``: the exception
    ``fn`` raised, if it did.
    """

    layer: str
    spec: Any
    passed: bool
    bound: float | None
    method: str
    points: int
    value_range: int | None
    mismatches: list[Mismatch] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    mutated: list[str] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    guarantee: str = ""
    context: Any = field(default=None, repr=False)
    _details: str | None = field(default=None, repr=False)

    def summary(self) -> str:
        """One line: the verdict, the spec and the bound."""
        spec = self.spec.summary().splitlines()[0]
        if self.error:
            return f"ERROR {spec}: fn raised {self.error}"
        verdict = "passed" if self.passed else "FAILED"
        bound = f", bound {self.bound:.1e}" if self.bound is not None else ""
        checked = [gradient_label(n) for n in CONVENTIONS[self.layer].outputs
                   if gradient_label(n) not in self.skipped]
        return f"{verdict} {spec}: {', '.join(checked) or 'nothing'} checked{bound}"

    def details(self) -> str:
        """The term-level report of each wrong gradient (computed once, on demand)."""
        if self._details is None:
            from symconv.testing.report import explain
            try:
                self._details = explain(self)
            except Exception as error:  # noqa: BLE001 - the report must never crash a check
                self._details = f"(term-level report unavailable: {type(error).__name__}: " \
                                f"{error})"
        return self._details

    def report(self) -> str:
        """The text report: verdict, method and bound, notes, and what is wrong, by term."""
        lines = [self.summary(), f"  method: {self.method}"]
        if self.bound is not None:
            lines.append(f"  bound: a wrong gradient passes with probability <= "
                         f"{self.bound:.1e} (Schwartz-Zippel over {self.points} points)")
        else:
            lines.append(f"  bound: {self.guarantee}")
        lines += [f"  skipped: {name} (fn returned None)" for name in self.skipped]
        lines += [f"  note: fn modified its argument {name} in place (it was given a copy)"
                  for name in self.mutated]
        lines += [f"  note: {note}" for note in self.notes]
        if not self.passed and not self.error:
            lines.append(self.details())
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"layer": self.layer, "spec": self.spec.as_dict(), "passed": self.passed,
                "bound": self.bound, "method": self.method, "points": self.points,
                "value_range": self.value_range, "guarantee": self.guarantee,
                "mismatches": [m.as_dict() for m in self.mismatches],
                "skipped": self.skipped, "mutated": self.mutated, "error": self.error,
                "notes": self.notes,
                "report": None if self.passed or self.error else self.details()}


def layer_spec(layer: str | Layer, options: dict):
    """The layer record and spec for ``options`` (the names of :func:`symconv.derive`)."""
    record = layer if isinstance(layer, Layer) else layer_named(layer)
    return record, checked_spec(record.name, options, within_budget=False)


def check_backward(fn: Callable, layer: str = "conv", *, seed: int = 0,
                   **options) -> CheckResult:
    """Check ``fn`` against the derived backward pass of ``layer`` for ``options``.

    >>> import numpy as np
    >>> def backward(dy, x):
    ...     return dy * (x > 0)
    >>> check_backward(backward, "relu", input=(3, 4)).passed
    True
    """
    record, spec = layer_spec(layer, options)
    return check_spec(fn, record, spec, seed=seed)


def assert_backward(fn: Callable, layer: str = "conv", *, seed: int = 0, **options) -> None:
    """:func:`check_backward`, raising ``AssertionError`` with the term-level report."""
    result = check_backward(fn, layer, seed=seed, **options)
    if not result.passed:
        raise AssertionError(result.report())


def reference(layer: Layer, spec, derivation=None, numeric: bool | None = None):
    """What ``fn`` is compared with: the expanded derivation (:func:`prepare`) up to
    :data:`SYMBOLIC_TERMS` forward terms or within the layer's symbolic budget, else the
    exact evaluation without expansion (:class:`Numeric`). ``numeric`` forces one or the
    other."""
    if numeric is None:
        limit = SOFTMAX_SYMBOLIC_TERMS if layer.name == "softmax-ce" else SYMBOLIC_TERMS
        numeric = layer.name in NUMERIC_LAYERS and (
            spec.forward_terms > limit or not within_budget(layer, spec))
    return Numeric(layer, spec) if numeric else prepare(layer, spec, derivation)


def within_budget(layer: Layer, spec) -> bool:
    try:
        check_budget(layer.name, layer.max_terms, spec)
    except SpecError:
        return False
    return True


def check_spec(fn: Callable, layer: Layer, spec, *, seed: int = 0,
               derivation=None, numeric: bool | None = None) -> CheckResult:
    """:func:`check_backward` on a spec object; ``derivation`` (of ``spec``) saves deriving;
    ``numeric`` chooses the evaluation (see :func:`reference`)."""
    prepared = reference(layer, spec, derivation, numeric)
    rng = np.random.default_rng(seed)
    convention = CONVENTIONS[layer.name]
    if layer.name == "softmax-ce":
        limit, bound = None, None
        drawn = softmax.draw(prepared.shapes()["Z"], rng)
        points = [Point(f"random point {k + 1}", {name: point[name] for name in "ZyY"})
                  for k, point in enumerate(drawn)]
        guarantee = softmax.guarantee(spec.batch, drawn)
    else:
        limit = prepared.value_limit()
        per_point = prepared.degree / (2 * limit + 1)
        count = max(2, math.ceil(math.log(TARGET_BOUND) / math.log(per_point)))
        points = draw_points(prepared, limit, count, rng)
        bound = per_point ** len(points)
        guarantee = (f"a wrong gradient (a different polynomial of degree <= "
                     f"{prepared.degree}) passes with probability <= {bound:.1e}")
    result = CheckResult(layer.name, spec, True, bound, method_text(prepared, limit, points),
                         len(points), limit, guarantee=guarantee)
    run = Run(fn, prepared, convention, points, result)
    result.context = run
    run.check()
    return result


def draw_points(prepared, limit: int, count: int, rng) -> list[Point]:
    """Random integer points in [-R, R]; non-zero X for ReLU; distinct X for max pooling,
    plus one point where overlapping windows share their arg-max and one where every X is
    negative (a window over the padding must still pick an entry of X: padding with zeros
    instead of -inf would pick the padding there)."""
    shapes = prepared.shapes()

    def random_values():
        return {name: rng.integers(-limit, limit + 1, shape).astype(float)
                for name, shape in shapes.items()}

    points = []
    for k in range(count):
        values = random_values()
        if prepared.layer.name == "relu":
            x = values["X"]
            x[x == 0] = rng.choice([-1.0, 1.0], int((x == 0).sum()))
        if prepared.layer.name == "maxpool":
            values["X"] = distinct(shapes["X"], rng)
        points.append(Point(f"random point {k + 1}", values))
    if prepared.layer.name == "maxpool":
        values = random_values()
        values["X"] = shared_argmax(prepared, rng)
        points.append(Point("shared arg-max point (overlapping windows pick the same entry)",
                            values))
        values = random_values()
        x = distinct(shapes["X"], rng)
        values["X"] = x - x.max() - 1
        points.append(Point("negative point (every input below the padding's zero)", values))
    return points


def distinct(shape: tuple[int, ...], rng) -> np.ndarray:
    """Distinct integers (a shuffled range centred on 0): every window has one maximum."""
    size = int(np.prod(shape))
    return (rng.permutation(size) - size // 2).astype(float).reshape(shape)


def shared_argmax(prepared, rng) -> np.ndarray:
    """Distinct values that rise with the number of windows reading an entry, so an entry
    in the overlap of windows is the maximum of all of them."""
    if not prepared.symbolic:
        readers = prepared.readers().astype(float)
    else:
        readers = np.zeros(prepared.shapes()["X"])
        for _, kind, (_window, winner) in prepared.indicators:
            if kind == "max":
                readers[winner] += 1
    size = readers.size
    return readers * size + distinct(readers.shape, rng)


def method_text(prepared, limit: int | None, points: list[Point]) -> str:
    name = prepared.layer.name
    if name == "softmax-ce":
        source = ("SymPy's derivative in 40-digit arithmetic" if prepared.symbolic else
                  "the proven closed form (softmax(Z) - Y)/N in 50-digit arithmetic")
        return (f"dZ compared with {source} at {len(points)} points (integer logits in "
                f"[-6, 6], random classes), tolerance per entry 16 (C + 4) eps (|dZ| + "
                f"(p + Y) / N)")
    evaluation = ("the derived polynomial at the same point" if prepared.symbolic else
                  f"the derived gradient evaluated exactly at the same point without "
                  f"expanding its terms ({prepared.how})")
    text = (f"exact evaluation: fn at {len(points)} points of random integers in "
            f"[-{limit}, {limit}] (every product and sum exact in float64), each entry "
            f"compared with {evaluation}")
    if prepared.rational:
        text += ("; rational coefficients: tolerance per polynomial 8 (terms + 2) eps "
                 "(sum of |term|)")
    if name == "maxpool":
        text += ("; distinct inputs (one arg-max per window), one point with shared "
                 "arg-maxes, one with every input negative")
    if name == "relu":
        text += "; non-zero inputs (the sign of each is unambiguous)"
    return text


def to_array(value) -> np.ndarray:
    """A returned gradient as a float64 array (NumPy, PyTorch tensors, nested lists)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=float)


class BadReturn(Exception):
    """``fn`` returned something that is not the gradients in the expected form."""


class Run:
    """The calls of ``fn`` at every point and the comparisons; kept for the report."""

    def __init__(self, fn, prepared: Prepared | Numeric, convention: Convention, points, result):
        self.fn, self.prepared, self.convention = fn, prepared, convention
        self.points, self.result = points, result
        self.got: list[dict] = []        # per point: gradient name -> array or None
        self.expected: list[dict] = []   # per point: gradient name -> (value, tolerance)
        self.failing_point: dict[str, int] = {}

    def arguments(self, point: Point, replace: dict | None = None) -> list[np.ndarray]:
        arrays = {**point.arrays, **(replace or {})}
        return [np.array(arrays[name], copy=True) for name in self.convention.arguments]

    def call(self, point: Point, replace: dict | None = None) -> dict:
        """``fn`` on copies of the point's arrays; its gradients by name (or ``None``)."""
        arguments = self.arguments(point, replace)
        originals = [a.copy() for a in arguments]
        value = self.fn(*arguments)
        for name, argument, original in zip(self.convention.arguments, arguments, originals):
            label = ARGUMENT_NAMES[name]
            if (isinstance(argument, np.ndarray) and argument.shape == original.shape
                    and not np.array_equal(argument, original, equal_nan=True)
                    and label not in self.result.mutated):
                self.result.mutated.append(label)
        return self.unpack(value)

    def unpack(self, value) -> dict:
        outputs = self.convention.outputs
        if len(outputs) == 1:
            values = [value]
        else:
            if not isinstance(value, (tuple, list)) or len(value) != len(outputs):
                names = ", ".join(gradient_label(n).lower() for n in outputs)
                what = (f"a {type(value).__name__} of {len(value)}"
                        if isinstance(value, (tuple, list)) else type(value).__name__)
                raise BadReturn(f"fn returned {what}, expected a tuple of {len(outputs)} "
                                f"({names})")
            values = list(value)
        result = {}
        for name, item in zip(outputs, values):
            if item is None:
                result[name] = None
                continue
            try:
                result[name] = to_array(item)
            except (TypeError, ValueError) as error:
                raise BadReturn(f"{gradient_label(name)} is not a numeric array "
                                f"({type(item).__name__}: {error})") from None
        return result

    def expect(self, point: Point) -> dict:
        """The derived value of every gradient at ``point``, and its tolerance per entry."""
        return self.prepared.expect(point.arrays)

    def check(self) -> None:
        result = self.result
        for number, point in enumerate(self.points):
            if not self.observe(number, point):
                return
        self.repeat()
        result.skipped = [gradient_label(n) for n in self.convention.outputs
                          if self.got and self.got[0].get(n) is None]
        if len(result.skipped) == len(self.convention.outputs):
            result.notes.append("fn returned None for every gradient: nothing was checked")
            result.passed = False
        result.passed = result.passed and not result.mismatches

    def observe(self, number: int, point: Point) -> bool:
        """Call ``fn`` at one point and compare; ``False`` when the check cannot go on."""
        result = self.result
        try:
            got = self.call(point)
        except BadReturn as error:
            result.passed = False
            result.mismatches.append(Mismatch("return", "type", str(error), number))
            return False
        except (Exception, SystemExit) as error:  # noqa: BLE001 - fn's failure is the verdict
            result.passed = False
            result.error = describe(error)
            return False
        expected = self.expect(point)
        self.got.append(got)
        self.expected.append(expected)
        for name in self.convention.outputs:
            if got[name] is None or name in self.failing_point:
                continue
            mismatch = compare(gradient_label(name), got[name], *expected[name], number)
            if mismatch is not None:
                self.failing_point[name] = number
                result.mismatches.append(mismatch)
        return True

    def repeat(self) -> None:
        """Call ``fn`` at the first point again: a fixed polynomial gives the same arrays."""
        if not self.got:
            return
        try:
            again = self.call(self.points[0])
        except (Exception, SystemExit) as error:  # noqa: BLE001
            self.result.notes.append(f"a second call at point 1 raised {describe(error)}")
            self.result.passed = False
            return
        for name in self.convention.outputs:
            first, second = self.got[0][name], again.get(name)
            if first is None or second is None:
                continue
            if first.shape == second.shape and np.array_equal(first, second, equal_nan=True):
                continue
            message = (f"{gradient_label(name)} is not a fixed function of the inputs: a "
                       f"second call with the same arrays returned different values (state "
                       f"kept between calls, or uninitialised memory)")
            if name in self.failing_point:
                self.result.notes.append(message)
            else:
                self.failing_point[name] = 0
                self.result.mismatches.append(Mismatch(gradient_label(name), "unstable",
                                                       message, 0))


def compare(label: str, got: np.ndarray, want: np.ndarray, tolerance: np.ndarray,
            number: int) -> Mismatch | None:
    """The first differing entry of ``got`` against ``want`` (exact or within tolerance)."""
    if got.shape != want.shape:
        return Mismatch(label, "shape", f"{label} has shape {got.shape}, expected "
                        f"{want.shape}", number, entries=int(want.size))
    with np.errstate(invalid="ignore"):
        wrong = ~(np.abs(got - want) <= tolerance)
    if not wrong.any():
        return None
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    count = int(wrong.sum())
    where = ",".join(map(str, index))
    return Mismatch(label, "value", f"{label}[{where}] differs ({count} of {want.size} "
                    f"entries differ)", number, index, float(want[index]), float(got[index]),
                    count, int(want.size))
