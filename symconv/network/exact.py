"""The chain checked exactly: SymPy differentiates the composed loss at a rational point.

Each layer's identity is proven on its own; what remains is the composition — the order of
the calls, what each layer receives and hands on, the flatten, the parameter keys, the mean
over the batch. Here the scalar loss of the whole network is differentiated directly, by
SymPy, at an exact point; the generated ``gradients`` must agree. Steps:

1. **A rational point.** Parameters, images and labels are drawn by a seeded generator on a
   dyadic grid (multiples of 1/64 or 1/256), so float64 holds the point exactly: whatever
   ``gradients`` gets wrong is its own rounding or a real disagreement. Biases are nonzero,
   so every term of the chain is exercised.
2. **The forward pass from the definitions** (DESIGN §2, written here independently of the
   generated kernels) on pairs *(exact value at the point, polynomial in the parameter
   symbols)*: cross-correlation with zero padding, stride, dilation and groups; average
   pooling; ``X W^T + b``; a channel-major flatten. The piecewise layers are resolved at the
   point: a ReLU keeps its input where the exact value is positive and is 0 where it is
   negative; a max-pooling window keeps its arg-max. Near the point, the network *is* that
   polynomial. A ReLU input that is exactly 0, or a window whose maximum is shared by entries
   that are different polynomials, is a point where the loss may not be differentiable:
   a fresh point is drawn. So is a point where some ReLU has no 0 output that a later layer
   reads (a conv or linear input, a max-pooling arg-max): there a chain that forgot the
   ReLU's mask would pass.
3. **The derivative** of ``L = 1/N sum_n (log sum_c exp(z_nc) - z_{n,y_n})`` in every
   generator ``theta`` — one per parameter coordinate (``every``), or a single ``t`` along a
   rational direction ``v`` (``theta = p + t v``): ``dL/dtheta = sum_{n,c} dL/dz_nc *
   dz_nc/dtheta``. The scores ``z`` are SymPy sparse polynomials, differentiated in
   ``theta`` and evaluated in rationals (exact); ``dL/dz`` is ``sympy.diff`` of the
   log-sum-exp in each score, evaluated at the exact scores to 30 significant digits.
   (Expanding the scores into one SymPy expression and calling ``sympy.diff`` on it gives
   the same numbers, but the scores of the default tiny network hold ~900 terms each and
   that takes minutes.)
4. **The comparison** with ``gradients`` in float64 (resp. ``<gradients, v>``): accepted when
   ``|gradients - exact| <= TOLERANCE * max |exact|``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from math import prod

import numpy as np
import sympy
from sympy.polys.domains import QQ
from sympy.polys.rings import ring

from symconv.layers.registry import layer_and_spec
from symconv.network.check import GradientCheck
from symconv.network.spec import NetworkSpec

TOLERANCE = 1e-9
"""Largest accepted |gradients - exact| relative to the largest |exact| derivative. A float64
value summed from n products carries a rounding error below n * 2**-53 times the sum of the
magnitudes of its terms; the networks checked here sum at most a few thousand terms per
value, which bounds the error near 1e-12 relative — 1e-9 leaves a margin of a thousand, while
a chain that drops a layer's gradient or averages the loss differently is off by a sizeable
fraction of the gradient itself."""
DIGITS = 30
"""Significant digits of each exact derivative's decimal value (``evalf``)."""


class Redraw(Exception):
    """The point sits on a ReLU kink or a max-pooling tie (the loss may not be smooth there),
    or a ReLU's zeros go unread (its mask would go unchecked): draw another."""


class Exact:
    """A number of the forward pass: its exact value at the point and the polynomial in the
    parameter symbols that it equals near the point."""

    __slots__ = ("value", "poly")

    def __init__(self, value, poly):
        self.value, self.poly = value, poly

    def __add__(self, other):
        if isinstance(other, Exact):
            return Exact(self.value + other.value, self.poly + other.poly)
        return Exact(self.value + other, self.poly + other)

    __radd__ = __add__

    def __mul__(self, other):
        if isinstance(other, Exact):
            return Exact(self.value * other.value, self.poly * other.poly)
        return Exact(self.value * other, self.poly * other)

    __rmul__ = __mul__


class Off(Exact):
    """The 0 a ReLU outputs for a negative input: ``layer`` is that ReLU's index. A gradient
    that reaches it must stop there, so the check needs one on every ReLU's path."""

    __slots__ = ("layer",)

    def __init__(self, poly_ring, layer: int):
        super().__init__(QQ(0), poly_ring.zero)
        self.layer = layer


# ---- the forward pass, from the definitions ----
def _constant(ring_, value) -> Exact:
    return Exact(QQ(value), ring_(QQ(value)))


def _padded(x: np.ndarray, padding, fill) -> np.ndarray:
    """``x`` (N, C, *spatial) padded by ``(lo, hi)`` per spatial axis with ``fill``."""
    shape = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding))
    out = np.full(shape, fill, dtype=object)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in
                                           zip(x.shape[2:], padding))] = x
    return out


def _taps(padded: np.ndarray, window):
    """``(j, view)`` for every kernel offset ``j``: ``view[..., i] = Xp[..., s*i + d*j]``."""
    for j in np.ndindex(*window.kernel):
        index = tuple(slice(d * ja, d * ja + s * (m - 1) + 1, s) for ja, s, d, m in
                      zip(j, window.stride, window.dilation, window.output))
        yield j, padded[(slice(None), slice(None)) + index]


def conv(x, w, b, spec, zero) -> np.ndarray:
    """``O[n, o, i] = b[o] + sum_{c', j} W[o, c', j] Xp[n, group(o) C_in/g + c', s i + d j]``."""
    window, g = spec.window, spec.groups
    per_in, per_out = spec.in_channels // g, spec.out_channels // g
    out = np.empty((len(x), spec.out_channels, *window.output), dtype=object)
    out[...] = b.reshape((1, -1) + (1,) * len(window.output))
    for j, view in _taps(_padded(x, window.padding, zero), window):
        for group in range(g):
            ins = slice(group * per_in, (group + 1) * per_in)
            outs = slice(group * per_out, (group + 1) * per_out)
            tap = w[(outs, slice(None)) + j]                       # (O/g, C_in/g)
            out[:, outs] += np.moveaxis(np.tensordot(view[:, ins], tap, axes=([1], [1])), -1, 1)
    return out


def relu(x: np.ndarray, index: int = 0) -> np.ndarray:
    """``x`` where its value is positive, :class:`Off` where negative (ReLU ``index``); a
    nonzero polynomial at 0, or no positive input at all, redraws."""
    if not any(a.value > 0 for a in x.flat):
        raise Redraw("a ReLU is off everywhere: the layers below it would go unchecked")
    out = np.empty_like(x)
    for position, a in np.ndenumerate(x):
        if a.value == 0 and a.poly != 0:
            raise Redraw(f"a ReLU input is exactly 0 at {position}")
        out[position] = a if a.value > 0 else Off(a.poly.ring, index)
    return out


def maxpool(x: np.ndarray, spec) -> np.ndarray:
    """The arg-max of every window (padding never wins); a tie between different
    polynomials redraws."""
    taps = [view for _, view in _taps(_padded(x, spec.window.padding, None), spec.window)]
    out = np.empty(taps[0].shape, dtype=object)
    for index in np.ndindex(*out.shape):
        entries = [view[index] for view in taps if view[index] is not None]
        best = max(entries, key=lambda a: a.value)
        if any(a.value == best.value and a.poly != best.poly for a in entries):
            raise Redraw(f"a max-pooling window ties at {index}")
        out[index] = best
    return out


def avgpool(x: np.ndarray, spec, zero) -> np.ndarray:
    """The mean of every window: over the whole window (``count_include_pad``) or over the
    entries inside the input."""
    window = spec.window
    inside = _padded(np.ones((1, 1, *x.shape[2:]), dtype=object), window.padding, 0)
    total = count = 0
    for (_, view), (_, mask) in zip(_taps(_padded(x, window.padding, zero), window),
                                    _taps(inside, window)):
        total, count = total + view, count + mask
    divisor = prod(window.kernel) if spec.count_include_pad else count
    return total * np.vectorize(lambda c: QQ(1, c), otypes=[object])(divisor)


def logits(spec: NetworkSpec, params: dict, x: np.ndarray, zero: Exact) -> np.ndarray:
    """The class scores z (N, classes) as :class:`Exact` numbers, layer by layer.

    Redraws unless every ReLU has an :class:`Off` output that a later layer reads (a conv,
    linear or average-pooling input, a max-pooling arg-max, a score): otherwise a chain that
    forgot the ReLU's mask would agree with the exact derivatives at this point. A ReLU whose
    input cannot be negative (a ReLU's output, pooled or flattened) is the identity and
    exempt.
    """
    a, read, required, nonnegative = x, set(), [], False
    for layer in spec.layers:
        if layer.kind not in ("relu", "flatten", "maxpool"):
            read.update(entry.layer for entry in a.flat if isinstance(entry, Off))
        w, b = params.get(f"{layer.index}.w"), params.get(f"{layer.index}.b")
        if layer.kind in ("flatten", "linear"):
            a = a.reshape(len(a), -1)
        if layer.kind == "linear":
            a = np.dot(a, w.T) + b
        elif layer.kind == "relu" and not nonnegative:
            a = relu(a, layer.index)
            required.append(layer.index)
        elif layer.kind == "conv":
            a = conv(a, w, b, layer_and_spec("conv", layer.options)[1], zero)
        elif layer.kind == "maxpool":
            a = maxpool(a, layer_and_spec("maxpool", layer.options)[1])
        elif layer.kind == "avgpool":
            a = avgpool(a, layer_and_spec("avgpool", layer.options)[1], zero)
        nonnegative = layer.kind == "relu" or (nonnegative and layer.kind in
                                                ("maxpool", "avgpool", "flatten"))
    unread = [index for index in required if index not in read]
    if unread:
        raise Redraw(f"no 0 of ReLU {unread[0]} is read by a later layer")
    return a


def composed_loss(z: np.ndarray, y: np.ndarray) -> sympy.Expr:
    """``1/N sum_n (log sum_c exp(z_nc) - z_{n,y_n})``: the mean cross-entropy of softmax(z),
    for SymPy scores ``z`` (N, classes) and class indices ``y``."""
    return sympy.Rational(1, len(z)) * sympy.Add(*[
        sympy.log(sympy.Add(*[sympy.exp(score) for score in row])) - row[label]
        for row, label in zip(z, y)])


# ---- the point and the comparison ----
def _dyadic(rng, shape, scale: float, denominator: int) -> tuple[np.ndarray, int]:
    """``(numerators, denominator)``: random multiples of ``1/denominator`` of about
    ``scale``, never 0."""
    numerators = np.rint(rng.standard_normal(shape) * scale * denominator).astype(int)
    numerators[numerators == 0] = 1
    return numerators, denominator


def rational_point(spec: NetworkSpec, seed: int, batch: int):
    """``(params, x, y)``: exact rationals ``{key: (numerators, denominator)}``, the images
    likewise, and the labels."""
    rng = np.random.default_rng(seed)
    params = {}
    for key, shape in spec.parameter_shapes.items():
        scale = np.sqrt(2.0 / prod(shape[1:])) if key.endswith(".w") else 0.25
        params[key] = _dyadic(rng, shape, scale, 256)
    x = _dyadic(rng, (batch, *spec.input_shape), 1.0, 64)
    y = rng.integers(0, spec.classes, batch)
    return params, x, y


def _as_float(pair) -> np.ndarray:
    numerators, denominator = pair
    return numerators.astype(np.float64) / denominator


def _as_exact(pair, polys) -> np.ndarray:
    numerators, denominator = pair
    out = np.empty(numerators.shape, dtype=object)
    for index, n in np.ndenumerate(numerators):
        out[index] = Exact(QQ(int(n), denominator), polys[index])
    return out


@dataclass
class ExactCheck(GradientCheck):
    """SymPy's exact derivatives of the composed loss against ``gradients``."""

    seconds: float = 0.0

    @property
    def relative_error(self) -> float:
        return self.max_error / self.scale if self.scale else float("inf")

    def line(self, measured: bool = True) -> str:
        verdict = "equal" if self.passed else "NOT EQUAL"
        found = (f"max relative difference {self.relative_error:.1e} (tolerance " if measured
                 else "each within the tolerance (")
        return (f"{self.what}: {self.compared} exact derivatives (SymPy) vs float64 "
                f"gradients, {found}{TOLERANCE:.0e} relative), {verdict}")

    def as_dict(self, measured: bool = True) -> dict:
        report = {"what": self.what, "method": "exact (SymPy) vs float64",
                  "compared": self.compared, "points": self.points, "tolerance": TOLERANCE,
                  "digits": DIGITS, "passed": self.passed, "failures": self.failures[:5]}
        if measured:   # the differences, not the time: the same run writes the same file
            report.update(max_error=self.max_error, largest_gradient=self.scale,
                          relative_error=self.relative_error)
        return report


def loss_gradient(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``dL/dz`` at the point (N, classes): ``sympy.diff`` of :func:`composed_loss` in one
    symbol per score, evaluated at the scores' exact values to :data:`DIGITS` digits."""
    scores = np.array(sympy.symbols(f"z:{len(z)}:{z.shape[1]}")).reshape(z.shape)
    loss = composed_loss(scores, y)
    values = {symbol: sympy.Rational(int(a.value.numerator), int(a.value.denominator))
              for symbol, a in zip(scores.ravel(), z.ravel())}
    return np.array([sympy.diff(loss, symbol).xreplace(values).evalf(DIGITS)
                     for symbol in scores.ravel()], dtype=object).reshape(z.shape)


def _evaluate(poly, values: list, memo: dict):
    """``poly`` at the point ``values`` (one per generator), exactly; monomials memoised."""
    total = QQ(0)
    for monom, coeff in poly.items():
        term = memo.get(monom)
        if term is None:
            term = QQ(1)
            for value, power in zip(values, monom):
                if power:
                    term *= value ** power
            memo[monom] = term
        total += coeff * term
    return total


def derivatives(z: np.ndarray, y: np.ndarray, gens: list, values: list) -> list:
    """``dL/dtheta`` at the point for every generator ``theta`` of the polynomials ``z``:
    ``sum_{n,c} dL/dz_nc * dz_nc/dtheta``, the second factor exact (SymPy's polynomial
    ``diff``, evaluated in rationals), the first from :func:`loss_gradient`."""
    outer, memo = loss_gradient(z, y), {}
    found = []
    for gen in gens:
        total = sympy.Integer(0)
        for weight, a in zip(outer.ravel(), z.ravel()):
            inner = _evaluate(a.poly.diff(gen), values, memo)
            total += weight * sympy.Rational(int(inner.numerator), int(inner.denominator))
        found.append(float(total))
    return found


def _images(x, ring_) -> np.ndarray:
    return _as_exact(x, np.vectorize(lambda n: ring_(QQ(int(n), x[1])), otypes=[object])(x[0]))


def _coordinates(spec, params, x, y):
    """One generator per parameter coordinate: ``[(label, exact dL/dtheta, key, position)]``."""
    labels = [(key, position) for key, shape in spec.parameter_shapes.items()
              for position in np.ndindex(*shape)]
    ring_, *gens = ring(",".join(f"p{number}" for number in range(len(labels))), QQ)
    polys, values = {}, []
    for key, shape in spec.parameter_shapes.items():
        grid = np.empty(shape, dtype=object)
        for position in np.ndindex(*shape):
            grid[position] = gens[len(values)]
            values.append(QQ(int(params[key][0][position]), params[key][1]))
        polys[key] = _as_exact(params[key], grid)
    z = logits(spec, polys, _images(x, ring_), _constant(ring_, 0))
    exact = derivatives(z, y, gens, values)
    return [(f"{key}{list(position)}", value, key, position)
            for (key, position), value in zip(labels, exact)]


def _directions(spec, params, x, y, seed: int, count: int):
    """``count`` rational directions ``v``, ``theta = p + t v``: ``[(label, exact dL/dt at
    t = 0, v)]``."""
    rng = np.random.default_rng(seed + 10_000)
    ring_, t = ring("t", QQ)
    images = _images(x, ring_)
    found = []
    for number in range(count):
        v = {key: rng.integers(-8, 9, shape) for key, shape in spec.parameter_shapes.items()}
        polys = {}
        for key, (numerators, denominator) in params.items():
            grid = np.empty(numerators.shape, dtype=object)
            for position, n in np.ndenumerate(numerators):
                grid[position] = ring_(QQ(int(n), denominator)) + int(v[key][position]) * t
            polys[key] = _as_exact(params[key], grid)
        z = logits(spec, polys, images, _constant(ring_, 0))
        [exact] = derivatives(z, y, [t], [QQ(0)])
        found.append((f"direction {number}", exact, v))
    return found


def check(net, spec: NetworkSpec, what: str, every: bool = True, count: int = 3,
          batch: int = 2, seed: int = 0, tries: int = 8) -> ExactCheck:
    """Compare ``net.gradients`` (float64) with the exact derivatives of the composed loss of
    ``spec`` (the network ``net`` was generated from): every parameter coordinate
    (``every``), or ``count`` random rational directions."""
    start = time.perf_counter()
    result = ExactCheck(what)
    for attempt in range(tries):
        params, x, y = rational_point(spec, seed + attempt, batch)
        result.points += 1
        try:
            exact = (_coordinates(spec, params, x, y) if every
                     else _directions(spec, params, x, y, seed + attempt, count))
        except Redraw as reason:
            last = str(reason)
            continue
        grads = net.gradients({key: _as_float(pair) for key, pair in params.items()},
                              _as_float(x), y)
        found = []
        for label, value, *where in exact:
            if every:
                key, position = where
                computed = float(grads[key][position])
            else:
                computed = float(sum((grads[key] * where[0][key]).sum() for key in grads))
            found.append((label, value, computed))
        result.scale = max(abs(value) for _, value, _ in found)
        for label, value, computed in found:
            error = abs(computed - value)
            result.max_error = max(result.max_error, error)
            result.compared += 1
            if error > TOLERANCE * result.scale:
                result.failures.append(f"{label}: exact {value:.12g}, gradients "
                                       f"{computed:.12g}")
        break
    else:
        result.failures.append(f"every one of {tries} points was redrawn (the last: {last})")
    result.seconds = time.perf_counter() - start
    return result
