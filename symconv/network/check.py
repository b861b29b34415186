"""The chain through the layers, checked numerically: ``gradients`` against central finite
differences of the composed loss.

The exact check (:mod:`symconv.network.exact`) differentiates the composed loss of a tiny
instance with SymPy; this one complements it on networks of any size. It differentiates the
composed scalar loss by central finite differences in float64 and compares with
``gradients``:

- a few random directions ``v`` on the network itself (what ``symconv network`` runs):
  ``(L(p + hv) - L(p - hv)) / 2h`` against ``<gradients, v>``;
- every parameter coordinate (the tests, on small networks).

ReLU and max pooling are piecewise: the loss is smooth only where no ReLU input sits at 0
and no pooling window changes its arg-max. Every difference is therefore taken where the
branch decisions (ReLU masks, and each pooling window's routing) at ``p + hv`` and ``p - hv``
equal those at ``p``; a point where one flips is ambiguous and a fresh random point is drawn.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field

import numpy as np

STEP = 1e-6
TOLERANCE = 1e-6
"""Largest accepted |finite difference - gradient| relative to max(1, the largest |gradient|)."""


class ChainError(AssertionError):
    """``gradients`` disagrees with the finite differences of the composed loss."""


def load(source: str, name: str = "network") -> types.ModuleType:
    """Execute the text of ``network.py`` as a module."""
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}.py>", "exec"), module.__dict__)
    return module


def branches(net, params, x) -> list[np.ndarray]:
    """The branch decisions of the piecewise layers at ``params``: each ReLU's mask, and
    each max pooling's routing of a fixed random upstream gradient (it changes exactly when
    a window's arg-max does)."""
    activations = net._forward(params, x)
    decisions = []
    for index, kind, kernels in net.LAYERS:
        if kind == "relu":
            decisions.append(activations[index] > 0)
        elif kind == "maxpool":
            below, above = activations[index], activations[index + 1]
            probe = np.random.default_rng(index).random(above.shape) + 1
            decisions.append(kernels.backward(probe.astype(above.dtype), below))
    return decisions


def _same(left: list[np.ndarray], right: list[np.ndarray]) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(left, right))


@dataclass
class GradientCheck:
    """What was compared, where, and the largest disagreement found; passed when something
    was compared and nothing failed."""

    what: str
    compared: int = 0
    points: int = 0
    max_error: float = 0.0
    scale: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.compared > 0 and not self.failures


@dataclass
class ChainCheck(GradientCheck):
    """Central finite differences of the loss against ``gradients``."""

    def line(self, measured: bool = True) -> str:
        verdict = "equal" if self.passed else "NOT EQUAL"
        found = (f"max |difference| {self.max_error:.1e} (largest gradient {self.scale:.1e})"
                 if measured else f"each within {TOLERANCE:.0e} * max(1, largest gradient)")
        return (f"{self.what}: {self.compared} central differences at {self.points} "
                f"point(s), {found}, {verdict}")

    def as_dict(self, measured: bool = True) -> dict:
        report = {"what": self.what, "method": "central finite differences",
                  "compared": self.compared, "points": self.points, "tolerance": TOLERANCE,
                  "step": STEP, "passed": self.passed, "failures": self.failures[:5]}
        if measured:
            report.update(max_error=self.max_error, largest_gradient=self.scale)
        return report


def _point(net, seed: int, batch: int):
    rng = np.random.default_rng(seed)
    params = net.init(seed, dtype=np.float64)
    for key in params:   # nonzero biases, so every term of the chain is exercised
        if key.endswith(".b"):
            params[key] = rng.uniform(-0.5, 0.5, params[key].shape)
    x = rng.standard_normal((batch, *net.INPUT_SHAPE))
    y = rng.integers(0, net.CLASSES, batch)
    return params, x, y


def _difference(net, params, x, y, direction: dict, base: list) -> float | None:
    """The central difference of the loss along ``direction``; ``None`` when a branch
    decision differs at either end."""
    ends = []
    for sign in (1, -1):
        moved = {key: value + sign * STEP * direction.get(key, 0.0)
                 for key, value in params.items()}
        if not _same(branches(net, moved, x), base):
            return None
        ends.append(net.loss(moved, x, y))
    return (ends[0] - ends[1]) / (2 * STEP)


def _directions(params, seed: int, every: bool, count: int):
    """Unit coordinate directions (``every``), or ``count`` random unit directions."""
    if every:
        for key, value in params.items():
            for position in np.ndindex(value.shape):
                unit = np.zeros_like(value)
                unit[position] = 1.0
                yield f"{key}{list(position)}", {key: unit}
        return
    rng = np.random.default_rng(seed)
    for number in range(count):
        v = {key: rng.standard_normal(value.shape) for key, value in params.items()}
        norm = np.sqrt(sum((a * a).sum() for a in v.values()))
        yield f"direction {number}", {key: a / norm for key, a in v.items()}


def check(net, what: str, every: bool = True, count: int = 3, batch: int = 2, seed: int = 0,
          tries: int = 8) -> ChainCheck:
    """Compare ``net.gradients`` with central differences of ``net.loss`` (float64).

    ``every``: each parameter coordinate; otherwise ``count`` random directions.
    """
    result = ChainCheck(what)
    pending = None
    for attempt in range(tries):
        params, x, y = _point(net, seed + attempt, batch)
        base = branches(net, params, x)
        grads = net.gradients(params, x, y)
        result.scale = max(result.scale, max(float(np.abs(g).max()) for g in grads.values()))
        directions = list(_directions(params, seed + attempt, every, count))
        if pending is not None:
            directions = [d for d in directions if d[0] in pending]
        ambiguous = set()
        for label, direction in directions:
            fd = _difference(net, params, x, y, direction, base)
            if fd is None:
                ambiguous.add(label)
                continue
            exact = sum(float((grads[key] * v).sum()) for key, v in direction.items())
            error = abs(fd - exact)
            result.max_error = max(result.max_error, error)
            result.compared += 1
            if error > TOLERANCE * max(1.0, result.scale):
                result.failures.append(f"{label}: finite difference {fd:.9g}, "
                                       f"gradients {exact:.9g}")
        result.points += 1
        if not ambiguous:
            return result
        pending = ambiguous   # redo only those, at a fresh point
    result.failures.append(f"{len(pending)} derivative(s) sat on a ReLU or pooling tie at "
                           f"every point tried")
    return result


def float32_agrees(net, seed: int = 0, batch: int = 2) -> float:
    """The largest relative difference between float32 and float64 gradients at one point."""
    params, x, y = _point(net, seed, batch)
    single = {key: value.astype(np.float32) for key, value in params.items()}
    wide, narrow = net.gradients(params, x, y), net.gradients(single, x, y)
    if any(narrow[key].dtype != np.float32 for key in narrow):
        raise ChainError("float32 parameters gave gradients of another dtype")
    scale = max(float(np.abs(g).max()) for g in wide.values())
    return max(float(np.abs(wide[k] - narrow[k]).max()) for k in wide) / max(scale, 1e-30)
