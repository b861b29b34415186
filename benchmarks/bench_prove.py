"""Time derive + prove for convolution layers and report terms, seconds and the slope.

Usage: python benchmarks/bench_prove.py [--repeats 5]

Prints, per case, the number of forward terms, the median time of symbolic forward +
derivation + closed forms + proof, and the microseconds per term. A least-squares line
through the scaling series gives the slope (seconds per term) and R^2. The baseline, measured
in the same run on small cases, differentiates the SymPy expression of <G, O> with
``sympy.diff`` for every input symbol (the brute-force route).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import sympy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from symconv.algebra.geometry import WindowSpec  # noqa: E402
from symconv.algebra.polynomial import to_sympy  # noqa: E402
from symconv.engine.pipeline import run  # noqa: E402
from symconv.layers.conv import forward as conv_forward  # noqa: E402
from symconv.layers.conv.layer import LAYER as CONV  # noqa: E402
from symconv.layers.conv.spec import ConvSpec  # noqa: E402


def square(n, k, s=1, p=0, cin=1, cout=1):
    return ConvSpec(WindowSpec((n, n), (k, k), (s, s), ((p, p),) * 2, (1, 1)), cin, cout)


TARGETS = [("28x28 k5 (target <= 0.5 s)", square(28, 5), 0.5),
           ("16x16 3->8 k3 p1 (target <= 2 s)", square(16, 3, p=1, cin=3, cout=8), 2.0)]
SERIES = [square(n, 5) for n in (12, 20, 28, 40, 56)]
BASELINE = [square(n, 3) for n in (5, 7, 9)]


def median_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ours(spec):
    derivation = run(CONV, spec)
    assert derivation.proven
    return derivation.terms


def brute_force_diff(spec):
    forward = conv_forward.symbolic_forward(spec)
    inner = sympy.Add(*(g * to_sympy(o) for g, o in
                        zip(forward.upstream.entries.flat, forward.output.flat)))
    for array in forward.inputs.values():
        for symbol in array.entries.flat:
            sympy.diff(inner, symbol)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats

    print("== targets (median of", repeats, "runs) ==")
    for label, spec, target in TARGETS:
        seconds = median_seconds(lambda spec=spec: ours(spec), repeats)
        terms = ours(spec)
        verdict = "met" if seconds <= target else "MISSED"
        print(f"{label:36} terms {terms:>7,}  {seconds:7.3f} s  {verdict}")

    print("\n== scaling: 2-d input n x n, kernel 5x5 ==")
    points = []
    for spec in SERIES:
        seconds = median_seconds(lambda spec=spec: ours(spec), repeats)
        terms = ours(spec)
        points.append((terms, seconds))
        print(f"n = {spec.window.input[0]:3}  terms {terms:>7,}  {seconds:7.3f} s  "
              f"{1e6 * seconds / terms:5.2f} us/term")
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    intercept = mean_y - slope * mean_x
    ss_res = sum((y - slope * x - intercept) ** 2 for x, y in points)
    ss_tot = sum((y - mean_y) ** 2 for _, y in points)
    print(f"slope {1e6 * slope:.2f} us/term, intercept {1e3 * intercept:.1f} ms, "
          f"R^2 = {1 - ss_res / ss_tot:.4f}")

    print("\n== baseline: sympy.diff per symbol on the SymPy expression of <G, O> ==")
    for spec in BASELINE:
        base = median_seconds(lambda spec=spec: brute_force_diff(spec), 1)
        mine = median_seconds(lambda spec=spec: ours(spec), repeats)
        print(f"n = {spec.window.input[0]:3} k3  baseline {base:7.3f} s   symconv {mine:7.4f} s"
              f"   ratio {base / mine:6.0f}x")


if __name__ == "__main__":
    main()
