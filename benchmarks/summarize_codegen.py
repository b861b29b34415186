"""Per-layer medians over several runs of bench_codegen.py: the table kept in
``benchmarks/results/codegen.txt``.

Usage: python benchmarks/summarize_codegen.py RUN1.txt RUN2.txt RUN3.txt

Each file is the output of one ``bench_codegen.py`` run. Prints, per layer, the backward
generated/torch ratios of every run and their median, in float64 and float32, then the median
over the layers of those per-layer medians and the largest per-layer median.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path


def backward_ratios(text):
    """{(layer, dtype): (strategy, wall ratio)} of the backward rows of one run."""
    rows = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 7 and fields[3] == "backward" and fields[2] in ("float64", "float32"):
            rows[fields[0], fields[2]] = (fields[1], float(fields[6]))
    return rows


def main(paths):
    runs = [backward_ratios(Path(path).read_text()) for path in paths]
    layers = list(dict.fromkeys(layer for layer, _ in runs[0]))
    medians = {"float64": [], "float32": []}
    width = 6 * len(runs) - 1
    print(f"{'layer':10} {'strategy':12} {'float64 runs':>{width}} {'med':>6} "
          f"{'float32 runs':>{width}} {'med':>6}   (backward, generated/torch)")
    for layer in layers:
        cells = []
        for dtype in ("float64", "float32"):
            ratios = [run[layer, dtype][1] for run in runs]
            median = statistics.median(ratios)
            medians[dtype].append(median)
            cells.append(f"{' '.join(f'{r:5.2f}' for r in ratios):>{width}} {median:6.2f}")
        print(f"{layer:10} {runs[-1][layer, 'float64'][0]:12} {cells[0]} {cells[1]}")
    for dtype, values in medians.items():
        print(f"{dtype}: median over layers of the per-layer medians "
              f"{statistics.median(values):.2f}, max {max(values):.2f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__.splitlines()[3])
    main(sys.argv[1:])
