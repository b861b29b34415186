"""Proof time per layer, for a ladder of sizes up to the largest case tried.

Usage: python benchmarks/bench_layers.py

For each layer: the options, the number of elements and terms (or cases) compared, and the
seconds of forward + derivation + closed form + proof.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from symconv.catalogue import from_arguments  # noqa: E402
from symconv.engine.pipeline import run  # noqa: E402

LADDERS = {
    "relu": ["--layer relu --input 8x8", "--layer relu --input 16x16 --in-channels 4",
             "--layer relu --input 32x32 --in-channels 8"],
    "maxpool": ["--layer maxpool --input 8x8 --kernel 2",
                "--layer maxpool --input 8x8 --kernel 3 --stride 1 --padding 1",
                "--layer maxpool --input 12x12 --kernel 3 --stride 2 --padding 1 "
                "--in-channels 2"],
    "avgpool": ["--layer avgpool --input 8x8 --kernel 2",
                "--layer avgpool --input 32x32 --kernel 3 --stride 1 --padding 1",
                "--layer avgpool --input 64x64 --kernel 3 --stride 2 --padding 1 "
                "--in-channels 4"],
    "linear": ["--layer linear --in-features 16 --out-features 8 --batch 4",
               "--layer linear --in-features 256 --out-features 64 --batch 8",
               "--layer linear --in-features 512 --out-features 256 --batch 4"],
    "softmax-ce": ["--layer softmax-ce --classes 4 --batch 2",
                   "--layer softmax-ce --classes 8 --batch 4",
                   "--layer softmax-ce --classes 10 --batch 8"],
}


def main():
    for layer, ladder in LADDERS.items():
        for options in ladder:
            start = time.perf_counter()
            derivation = run(*from_arguments(options))
            seconds = time.perf_counter() - start
            assert derivation.proven, options
            checked = ", ".join(f"{r.name} {r.elements:,} el / {r.terms:,} t"
                                for r in derivation.results)
            print(f"{layer:10} {options.replace('--layer ' + layer, '').strip():58} "
                  f"{seconds:7.2f} s  ({checked})", flush=True)


if __name__ == "__main__":
    main()
