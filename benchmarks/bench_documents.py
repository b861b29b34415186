"""Time rendering and compiling derivation documents: 32x32 and 128x128 inputs, 3x3 kernel.

Usage: python benchmarks/bench_documents.py [--repeats 3]

Targets (documents issues): 32x32 render < 2 s; any layer the prover accepts renders and
compiles, and ``symconv latex --pdf --input 128x128 --kernel 3`` takes < 30 s in all. Rendering
includes the derivation and proof. The baseline, measured in the same run, prints the same
displayed sums with SymPy's LaTeX printer (sympy.latex of the SymPy expression) instead of
joining names. CPU times are printed beside wall times: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sympy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from symconv.algebra.polynomial import to_sympy  # noqa: E402
from symconv.catalogue import from_arguments  # noqa: E402
from symconv.engine.pipeline import run  # noqa: E402
from symconv.render.artifacts import latex as latex_document  # noqa: E402
from symconv.render.compile import compile_pdf  # noqa: E402
from symconv.render.text import sum_lines, symbol_key  # noqa: E402
from symconv.render.window_text import example_positions  # noqa: E402

OPTIONS = "--input 32x32 --kernel 3x3"
BIG = "--input 128x128 --kernel 3"


def render():
    return latex_document(run(*from_arguments(OPTIONS)))


def displayed_polynomials(derivation):
    """The sums the document writes out: forward examples, dW and dX examples, db."""
    spec = derivation.spec
    polys = [derivation.forward.output[(0, 0, *i)] for i in example_positions(spec.window.output)]
    polys += [derivation.gradients["W"][(0, 0, *j)] for j in example_positions(spec.window.kernel)]
    polys += [derivation.gradients["X"][(0, 0, *u)] for u in example_positions(spec.window.input)]
    return polys + [derivation.gradients["b"][0]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        tex = render()
        times.append(time.perf_counter() - start)
    print(f"render {OPTIONS}: median {statistics.median(times):.3f} s over {repeats} "
          f"({len(tex):,} characters; target < 2 s)")

    derivation = run(*from_arguments(OPTIONS))
    polys = displayed_polynomials(derivation)
    key = symbol_key({s: (0, s.name) for p in polys for m in p for s in m})
    start = time.perf_counter()
    for poly in polys:
        sum_lines(poly, key)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for poly in polys:
        sympy.latex(to_sympy(poly))
    baseline = time.perf_counter() - start
    print(f"the displayed sums: joining names {1e3 * ours:.1f} ms, sympy.latex "
          f"{1e3 * baseline:.1f} ms ({baseline / ours:.0f}x slower)")

    if not shutil.which("pdflatex"):
        print("compile: skipped, pdflatex not installed")
        return
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        compile_pdf(tex, Path(folder) / "doc.pdf")
        print(f"compile {OPTIONS}: {time.perf_counter() - start:.2f} s")

        wall, cpu = time.perf_counter(), time.process_time()
        big = run(*from_arguments(BIG))
        proved = time.perf_counter() - wall
        big_tex = latex_document(big)
        rendered = time.perf_counter() - wall - proved
        children = os.times()
        compile_pdf(big_tex, Path(folder) / "big.pdf")
        compiled = os.times()
        tex_cpu = (compiled.children_user + compiled.children_system
                   - children.children_user - children.children_system)
        total = time.perf_counter() - wall
        print(f"{BIG}: prove {proved:.1f} s, render {rendered:.1f} s, compile "
              f"{total - proved - rendered:.1f} s ({tex_cpu:.1f} s CPU); total {total:.1f} s "
              f"wall, {time.process_time() - cpu + tex_cpu:.1f} s CPU (target < 30 s; "
              f"{len(big_tex):,} characters)")


if __name__ == "__main__":
    main()
