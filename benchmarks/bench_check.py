"""Checking an implementation: a 16x16, 3 -> 8 channel conv, after the derivation.

Usage: python benchmarks/bench_check.py

Prints the seconds of the derivation (forward + chain rule + compiling the polynomials,
cached per spec) and of each check of two implementations — the generated im2col module and
a loop-free NumPy einsum one — which must stay under 0.5 s; then, for scale, a check of a
64x64, 16 -> 16 channel conv (too large to expand: exact evaluation without expansion) and of
softmax-ce with 1000 classes (closed form in 50 digits).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import symconv  # noqa: E402
from symconv.render.artifacts import generate  # noqa: E402
from symconv.testing import check_backward  # noqa: E402
from symconv.testing.check import layer_spec  # noqa: E402
from symconv.testing.derived import prepare  # noqa: E402
from symconv.testing.verify import import_source  # noqa: E402
from tests.implementations import conv_einsum, softmax_ce_stable  # noqa: E402

OPTIONS = {"input": (16, 16), "kernel": 3, "padding": 1, "in_channels": 3, "out_channels": 8,
           "batch": 2}
LIMIT = 0.5
LARGE = {"input": (64, 64), "kernel": 3, "padding": 1, "in_channels": 16, "out_channels": 16}


def main() -> int:
    start = time.perf_counter()
    prepare(*layer_spec("conv", OPTIONS))
    derivation = time.perf_counter() - start
    print(f"derivation (forward, chain rule, compiled; cached): {derivation:.2f} s")
    d = symconv.derive("conv", **OPTIONS)
    module = import_source(d.module_source(), "bench_conv")
    worst = 0.0
    for name, fn in [("generated module", module.backward),
                     ("einsum implementation", conv_einsum.einsum_backward(1, 1))]:
        start = time.perf_counter()
        result = check_backward(fn, "conv", **OPTIONS)
        seconds = time.perf_counter() - start
        worst = max(worst, seconds)
        print(f"check of the {name}: {seconds:.3f} s, passed {result.passed}, "
              f"{result.points} points, bound {result.bound:.1e}")
    print(f"{'OK' if worst < LIMIT else 'SLOW'}: slowest check {worst:.3f} s "
          f"(limit {LIMIT} s)")
    large = import_source(generate(*layer_spec("conv", LARGE))[0], "bench_large")
    start = time.perf_counter()
    result = check_backward(large.backward, "conv", **LARGE)
    print(f"check of a 64x64, 16 -> 16 module (no expansion): "
          f"{time.perf_counter() - start:.2f} s, passed {result.passed}")
    start = time.perf_counter()
    result = check_backward(softmax_ce_stable.backward, "softmax-ce", classes=1000, batch=4)
    print(f"check of softmax-ce, 1000 classes, batch 4: {time.perf_counter() - start:.2f} s, "
          f"passed {result.passed}")
    return 0 if worst < LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
