"""Time the all-sizes proof of dW, dX and db for rank 1, 2 and 3.

Usage: python benchmarks/bench_allsizes.py [--repeats 3]

Each run is a fresh interpreter (``python -c``), so the wall time includes start-up and the
SymPy import; the in-process time of ``prove_all_sizes`` is printed next to it. Channels, groups
and batch are symbolic in every run. Targets: rank 1 under 2 s, rank 3 under 5 s (wall).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {1: 2.0, 2: None, 3: 5.0}
SCRIPT = ("import json, time; t = time.perf_counter(); "
          "from symconv.allsizes import prove_all_sizes; r = prove_all_sizes({rank}); "
          "print(json.dumps({{'proven': r.proven, 'inside': r.seconds, "
          "'obligations': sum(i.obligations for i in r.identities + r.lemmas)}}))")


def run_once(rank: int) -> tuple[float, dict]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(rank=rank)], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return time.perf_counter() - start, json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'rank':>4} {'proven':>6} {'obligations':>11} {'wall s':>7} {'proof s':>7}  target")
    for rank in (1, 2, 3):
        runs = [run_once(rank) for _ in range(args.repeats)]
        wall = statistics.median(w for w, _ in runs)
        info = runs[0][1]
        inside = statistics.median(r["inside"] for _, r in runs)
        target = TARGETS[rank]
        verdict = "" if target is None else (f"< {target:.0f} s " +
                                             ("met" if wall < target else "MISSED"))
        print(f"{rank:>4} {str(info['proven']):>6} {info['obligations']:>11} {wall:7.2f} "
              f"{inside:7.2f}  {verdict}")


if __name__ == "__main__":
    main()
