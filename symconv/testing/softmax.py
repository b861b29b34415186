"""Checking softmax + cross-entropy: exact reference values, a per-entry tolerance, what a
pass guarantees, and the recognisable mistakes.

dZ = (p - Y) / N with p = softmax(Z) by row is not a polynomial (p involves exp and a
division), so there is no Schwartz–Zippel probability. What a pass means instead:

- **Reference.** At each point dZ is computed from its closed form in 50-digit arithmetic
  (or from SymPy's own derivative, lambdified, when the instance is small enough to derive):
  relative error below 1e-45, negligible next to float64.
- **Tolerance per entry, from the magnitude of its terms.** ``tau = 16 (C + 4) eps
  (|dZ| + (p + Y) / N)`` with ``eps = 2**-52``. A float64 evaluation of ``(p - Y) / N`` —
  C exponentials (each within 1 ulp), a sum of C terms (at most ``(C - 1) eps`` times their
  magnitude), one division, one subtraction, one division by N — errs by at most about
  ``(C + 4) eps`` times the magnitude of the terms ``p/N`` and ``Y/N``; 16 is a margin for
  the max-shift, log-sum-exp and float32-free variants of that evaluation.
- **Guarantee.** ``fn`` passes only if every entry is within ``tau`` of the exact dZ at each
  of the points. Every named mistake below is checked, when the points are drawn, to differ
  from dZ by more than ``10**6 tau`` at some entry, so each of them fails with certainty.
  A function that agrees with dZ at these points and differs elsewhere would pass: no
  probability is claimed for arbitrary functions.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

EPSILON = 2.0 ** -52
DIGITS = 50
LOGITS = 6
"""Logits are integers in [-6, 6]: exp never overflows and p stays away from 0 and 1."""
POINTS = 3
SEPARATION = 1e6
"""Every named mistake differs from dZ by more than this many tolerances at some entry."""


def softmax_rows(z: np.ndarray, axis: int = 1) -> np.ndarray:
    """softmax along ``axis`` in 50-digit arithmetic (as an object array of mpf)."""
    import mpmath
    with mpmath.workdps(DIGITS):
        e = np.vectorize(lambda v: mpmath.exp(mpmath.mpf(float(v))), otypes=[object])(z)
        return e / e.sum(axis=axis, keepdims=True)


def tolerance(p: np.ndarray, y: np.ndarray, value: np.ndarray) -> np.ndarray:
    """``16 (C + 4) eps (|dZ| + (p + Y) / N)`` per entry."""
    batch, classes = p.shape
    return 16 * (classes + 4) * EPSILON * (np.abs(value) + (p + y) / batch)


def closed_form(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``((softmax(Z) - Y) / N, tolerance)`` at integer logits ``z`` and one-hot ``y``."""
    import mpmath
    batch = z.shape[0]
    with mpmath.workdps(DIGITS):
        exact = (softmax_rows(z) - y) / batch
        value = np.array([[float(v) for v in row] for row in exact])
    p = value * batch + y
    return value, tolerance(p, y, value)


def with_tolerance(value: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A reference value of dZ (from SymPy's derivative) with its tolerance."""
    batch = value.shape[0]
    return value, tolerance(value * batch + y, y, value)


def bases(z: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The quantities a softmax-ce gradient is built from, and its usual wrong ones."""
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    q = np.exp(z - z.max(axis=0, keepdims=True))
    q /= q.sum(axis=0, keepdims=True)
    return {"p": p, "Y": y, "log p": np.log(p), "q": q, "exp(Z)": np.exp(z), "Y/p": y / p}


def mistakes(batch: int) -> list[tuple[str, dict[str, Fraction]]]:
    """The named mistakes, each as coefficients of :func:`bases`."""
    n = Fraction(1, batch)
    named = [
        ("the -Y term is missing (dZ = p/N: only the normaliser's gradient)", {"p": n}),
        ("the softmax term is missing (dZ = -Y/N)", {"Y": -n}),
        ("the sign is flipped (dZ = (Y - p)/N: the gradient of -L, e.g. of the "
         "log-likelihood)", {"p": -n, "Y": n}),
        ("log-softmax used where softmax is needed (dZ = (log p - Y)/N)",
         {"log p": n, "Y": -n}),
        ("softmax taken over the batch axis (axis 0) instead of the classes",
         {"q": n, "Y": -n}),
        ("exp(Z) is not normalised (dZ = (exp(Z) - Y)/N)", {"exp(Z)": n, "Y": -n}),
        ("the gradient with respect to p, not Z (dZ = -Y/(N p): the chain rule stops "
         "before the softmax)", {"Y/p": -n}),
    ]
    if batch > 1:
        named += [
            (f"a factor N = {batch}: the 1/N of the batch mean is missing (dZ = p - Y)",
             {"p": Fraction(1), "Y": Fraction(-1)}),
            (f"divided by N = {batch} twice (dZ = (p - Y)/N**2)", {"p": n * n, "Y": -n * n}),
        ]
    return named


FAMILIES = [("p", "Y"), ("log p", "Y"), ("q", "Y"), ("exp(Z)", "Y"), ("Y/p",), ("p", "Y", "q")]


def combine(terms: dict[str, Fraction], found: dict[str, np.ndarray]) -> np.ndarray:
    return sum((float(c) * found[name] for name, c in terms.items()),
               np.zeros_like(found["p"]))


def draw(shape: tuple[int, int], rng) -> list[dict[str, np.ndarray]]:
    """Points ``{"Z", "y", "Y"}`` at which every named mistake is separated from dZ."""
    batch, classes = shape
    for _ in range(20):
        points = []
        for _ in range(POINTS):
            y = rng.integers(0, classes, batch)
            points.append({"Z": rng.integers(-LOGITS, LOGITS + 1, shape).astype(float),
                           "y": y, "Y": np.eye(classes)[y]})
        if all(separated(terms, points) for _, terms in mistakes(batch)):
            return points
    return points


def separated(terms: dict, points: list[dict]) -> bool:
    """Some entry of the mistake differs from dZ by more than :data:`SEPARATION` tolerances."""
    for point in points:
        if "reference" not in point:
            point["reference"] = closed_form(point["Z"], point["Y"])
            point["bases"] = bases(point["Z"], point["Y"])
        value, tau = point["reference"]
        if np.any(np.abs(combine(terms, point["bases"]) - value) > SEPARATION * tau):
            return True
    return False


def guarantee(batch: int, points: list[dict]) -> str:
    """What a pass means (no probability: dZ is not a polynomial), naming any mistake the
    points failed to separate."""
    named = mistakes(batch)
    apart = [text for text, terms in named if separated(terms, points)]
    text = (f"not a probability (dZ is not a polynomial): every entry is within its "
            f"tolerance of the exact dZ at every point; each of the {len(apart)} named "
            f"mistakes differs by more than 1e6 tolerances there, so it fails with "
            f"certainty; a function equal to dZ at these points only would pass")
    if len(apart) < len(named):
        others = [t.split(" (")[0] for t, _ in named if t not in apart]
        text += f" (not separated at these points: {'; '.join(others)})"
    return text


def fit(run) -> tuple[dict | None, str | None]:
    """What ``fn`` computes, as rational coefficients of one family of :func:`bases`,
    fitted over every entry at every observed point; and the named mistake it is."""
    targets, taus, found = [], [], []
    for number, got in enumerate(run.got):
        value = got.get("Z")
        if value is None or value.shape != run.expected[number]["Z"][0].shape:
            continue
        point = run.points[number]
        found.append(bases(point.arrays["Z"], point.arrays["Y"]))
        targets.append(value.ravel())
        taus.append(run.expected[number]["Z"][1].ravel())
    if not targets:
        return None, None
    target, tau = np.concatenate(targets), np.concatenate(taus)
    batch = run.points[0].arrays["Z"].shape[0]
    for family in FAMILIES:
        if len(target) < len(family) + 2:
            continue
        matrix = np.stack([np.concatenate([f[name].ravel() for f in found])
                           for name in family], axis=1)
        if not np.all(np.isfinite(matrix)):
            continue
        solution = np.linalg.lstsq(matrix, target, rcond=None)[0]
        terms = {name: Fraction(float(c)).limit_denominator(1000)
                 for name, c in zip(family, solution)}
        terms = {name: c for name, c in terms.items() if c}
        approx = sum((float(c) * matrix[:, family.index(name)] for name, c in terms.items()),
                     np.zeros_like(target))
        if np.all(np.abs(approx - target) <= 4 * tau + 1e-12 * np.abs(target)):
            return terms, name_of(terms, batch)
    return None, None


def name_of(terms: dict[str, Fraction], batch: int) -> str | None:
    for text, known in mistakes(batch):
        if known == terms:
            return text
    if set(terms) == {"p", "Y"} and terms["p"] == -terms["Y"]:
        return (f"the right terms scaled by {terms['p'] * batch} (dZ = "
                f"{terms['p']}·(p - Y) instead of (p - Y)/{batch})")
    return None


def show(terms: dict[str, Fraction], index: tuple[int, ...]) -> str:
    """``1/2·p[0,1] - 1/2·Y[0,1]``."""
    where = "[" + ",".join(map(str, index)) + "]"
    parts = []
    for name, c in terms.items():
        symbol = f"({name}){where}" if " " in name or "/" in name else f"{name}{where}"
        text = symbol if c == 1 else f"-{symbol}" if c == -1 else f"{c}·{symbol}"
        parts.append(text)
    return " + ".join(parts).replace("+ -", "- ") or "0"


def explain(run, mismatch) -> list[str]:
    """The softmax-ce report lines of one wrong dZ: expected and got as combinations of
    p = softmax(Z) and Y, and the mistake's name."""
    batch = run.points[0].arrays["Z"].shape[0]
    expected = {"p": Fraction(1, batch), "Y": Fraction(-1, batch)}
    lines = [f"  expected: {show(expected, mismatch.index)}    (p = softmax(Z) along "
             f"each row, Y = one-hot(y))"]
    terms, name = fit(run)
    if terms is None:
        lines.append("  got:      (not a combination of p and Y, nor of the usual wrong "
                     "quantities log p, exp(Z), Y/p, softmax over the batch axis)")
    else:
        lines.append(f"  got:      {show(terms, mismatch.index)}    [fitted over every "
                     f"entry at every point]")
    if name:
        lines.append(f"  diagnosis: {name}")
    return lines
