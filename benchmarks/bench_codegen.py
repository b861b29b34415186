"""Generated NumPy conv vs torch CPU (2 threads): backward against backward, forward against
forward, and vs the naive loop reference.

Usage: python benchmarks/bench_codegen.py [--rounds 5] [--repeats 5] [--only SUBSTRING]
       [--probe]

What is compared: the generated ``backward(dy, x, w)`` (dx, dw, db) against
``torch.ops.aten.convolution_backward`` with the same three outputs — torch's backward only, no
forward inside the timed step — and the generated ``forward(x, w, b)`` against
``torch.ops.aten.convolution``. Each implementation is timed in its own block (interleaving
single torch and NumPy calls slows both on 2 cores), after a pause of SETTLE_SECONDS (0.3 s)
that lets the other side's idle threads stop spinning; a round is one NumPy block and one torch
block, each the median of ``--repeats`` calls after a warm-up call; the ratio of a round is
generated / torch, and the figure printed is the median over ``--rounds`` rounds, which go
round-robin over the layers (round 1 of every layer, dtype and pass, then round 2, ...: since
run 73 of results/codegen.txt; before, a layer's rounds ran back to back, so that one spell of
the machine could spoil all of them), in wall time and in CPU time (``time.process_time``, both
threads). With ``--probe``, a round is measured again when a two-core probe (a two-thread
multiply, see PROBE_SIZE) before, between or after its blocks finds the machine in one of its
spells without a second core; column ``all`` is the median ratio over every round measured,
spells included, and ``again`` the number of repeated attempts. Peak memory of one backward
call on the ResNet layer is measured for both sides in fresh child processes (peak RSS above
the RSS before the call, Linux ``clear_refs``). torch is optional: without it only the
naive-loop comparison is printed.

The GEMM floor: per layer, the two matrix multiplies an im2col backward cannot avoid, timed
alone with ``np.matmul`` on arrays of their shapes, per group and per chunk of n images (the
generated module's chunks: columns within its WORKSPACE_BYTES, 32 MiB):
dW = dy_g (C_out/g, n*M) @ cols_g^T (n*M, C_in/g * k^d) and
dX's columns = w_g^T (C_in/g * k^d, C_out/g) @ dy_g (C_out/g, n*M). ``floor/torch`` is the
best a NumPy backward built on these multiplies can reach against torch; where it is above a
target, the target is out of NumPy's reach for that shape. The "planes" strategy (stride-1
depthwise) has no such multiply, and no floor is printed for it. The load average
(``os.getloadavg``) is printed before and after: other processes on the machine slow both
sides.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symconv.algebra.geometry import WindowSpec  # noqa: E402
from symconv.layers.conv.layer import LAYER as CONV  # noqa: E402
from symconv.layers.conv.module import conv_strategy  # noqa: E402
from symconv.layers.conv.spec import ConvSpec  # noqa: E402
from symconv.render.artifacts import generate  # noqa: E402
from tests.loop_reference import conv_backward  # noqa: E402

WORKSPACE_BYTES = 32 * 2**20  # the generated module's column buffer per chunk of images

# name: (N, C_in, spatial, C_out, k, s, p, d, groups); the first seven from issue 11, the
# last six from the codegen issue
LAYERS = {
    "resnet": (32, 64, (56, 56), 64, 3, 1, 1, 1, 1),
    "c128": (32, 128, (28, 28), 128, 3, 1, 1, 1, 1),
    "stem": (8, 3, (224, 224), 64, 7, 2, 3, 1, 1),
    "depthwise": (32, 32, (56, 56), 32, 3, 1, 1, 1, 32),
    "1x1": (32, 256, (14, 14), 64, 1, 1, 0, 1, 1),
    "1d": (16, 64, (1000,), 64, 5, 1, 2, 1, 1),
    "3d": (4, 8, (16, 16, 16), 16, 3, 1, 1, 1, 1),
    "mnist-k5": (8, 1, (28, 28), 8, 5, 1, 0, 1, 1),
    "c3-k3": (32, 3, (32, 32), 16, 3, 1, 1, 1, 1),
    "s2": (32, 16, (32, 32), 32, 3, 2, 1, 1, 1),
    "c64-16": (64, 64, (16, 16), 64, 3, 1, 1, 1, 1),
    "k7-s2": (16, 3, (64, 64), 16, 7, 2, 3, 1, 1),
    "dilated": (8, 8, (32, 32), 8, 3, 1, 2, 2, 1),
}


def spec_of(layer):
    n, cin, spatial, cout, k, s, p, d, g = layer
    rank = len(spatial)
    window = WindowSpec(spatial, (k,) * rank, (s,) * rank, ((p, p),) * rank, (d,) * rank)
    return ConvSpec(window, cin, cout, g, 1)


def generated_module(layer, directory, name="conv"):
    """Generate (and prove) the module for ``layer`` and import it."""
    source, derivation = generate(CONV, spec_of(layer))
    assert derivation.proven
    path = Path(directory) / f"{name}.py"
    path.write_text(source)
    return imported(path)


def imported(path):
    """The module written at ``path``, imported under its file name."""
    loader = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module


def problem(layer, dtype, seed=0):
    n, cin, spatial, cout, k, s, p, d, g = layer
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, cin, *spatial)).astype(dtype)
    w = rng.standard_normal((cout, cin // g, *(k,) * len(spatial))).astype(dtype)
    b = rng.standard_normal(cout).astype(dtype)
    out = tuple((m + 2 * p - d * (k - 1) - 1) // s + 1 for m in spatial)
    dy = rng.standard_normal((n, cout, *out)).astype(dtype)
    return x, w, b, dy


SETTLE_SECONDS = 0.3
"""The pause before every block, so that the other side's idle threads no longer spin when
a block starts: right after a block of a generated module whose multiplies ran on two
threads, OpenBLAS's idle threads spin for about 0.1-0.2 s and take a core from torch's. On
the Zen 2, torch's backward of (32, 3, 32^2, 16, k3 p1) took 7.0 ms right after the
module's block, 6.9 after a 0.01 s pause, 5.0 after 0.05 s and 2.9 after 0.2 s (3.1 after
a block of the module with one-thread multiplies); the module after torch's block took the
same 3.4 ms with or without a pause. (Runs 1-34 of results/codegen.txt had no pause.)"""


def block(function, repeats):
    """Median wall and CPU seconds of ``repeats`` calls after a pause (SETTLE_SECONDS) and
    one warm-up call."""
    time.sleep(SETTLE_SECONDS)
    function()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def gemm_floor(layer, dtype, repeats):
    """Median seconds of the backward's two multiplies alone (see the module docstring)."""
    n, cin, spatial, cout, k, s, p, d, g = layer
    out = [(m + 2 * p - d * (k - 1) - 1) // s + 1 for m in spatial]
    image = int(np.prod(out))  # positions of one image
    columns = cin // g * k ** len(spatial)
    chunk = max(1, min(n, WORKSPACE_BYTES // (g * columns * image * np.dtype(dtype).itemsize)))
    sizes = [min(chunk, n - start) for start in range(0, n, chunk)]
    rng = np.random.default_rng(1)
    rows = rng.standard_normal((g, cout // g, chunk * image)).astype(dtype)
    cols = rng.standard_normal((g, columns, chunk * image)).astype(dtype)
    kernel = rng.standard_normal((g, columns, cout // g)).astype(dtype)
    dw = np.empty((g, cout // g, columns), dtype)

    def multiplies():
        for size in sizes:
            used = size * image
            np.matmul(rows[:, :, :used], cols[:, :, :used].transpose(0, 2, 1), out=dw)
            np.matmul(kernel, rows[:, :, :used], out=cols[:, :, :used])

    return block(multiplies, repeats)[0]


def torch_calls(layer, x, w, b, dy):
    """torch's forward and backward only, as closures."""
    import torch

    _, _, spatial, _, _, s, p, d, g = layer
    rank = len(spatial)
    xt, wt, bt, dyt = (torch.from_numpy(a) for a in (x, w, b, dy))
    stride, padding, dilation = [s] * rank, [p] * rank, [d] * rank
    zeros = [0] * rank

    def forward():
        return torch.ops.aten.convolution(xt, wt, bt, stride, padding, dilation, False, zeros, g)

    def backward():
        return torch.ops.aten.convolution_backward(dyt, xt, wt, [wt.shape[0]], stride, padding,
                                                   dilation, False, zeros, g,
                                                   [True, True, True])
    return forward, backward


PROBE_SIZE = 512
PROBE_SPEEDUP = 1.7
PROBE_ATTEMPTS = 4
PROBE_WAIT_SECONDS = 10
"""The two-core probe. On the Zen 4 VM the machine has spells of 1 s to a minute in which
the second vCPU is not there (the host does not report steal time): a two-thread multiply takes
about as long as a one-thread one (a PROBE_SIZE-square float64 multiply: 2.6-2.8 ms on two
threads, 1.9-2.1x faster than on one; in spells 3.6-5.0 ms, 1.05-1.5x faster), while a
one-thread copy keeps its speed. In them a module whose multiplies run on two threads slows
(1.1-1.9x) and torch's backward of some layers not at all (the 1-d layer in float64, 90 s of
blocks in turns: the module 22-29 ms outside spells and 33-41 ms in them, torch 33-51 ms
throughout). The probe times that multiply on two threads and on one (best of 3 calls each,
one thread through threadpoolctl) before each round, between its two blocks and after it; a
round counts when every probe finds two threads at least PROBE_SPEEDUP times faster than one.
A round that does not is measured again, at most PROBE_ATTEMPTS times in all (the last attempt
counts whatever the probe says), and before each attempt the run waits up to
PROBE_WAIT_SECONDS for a probe with two cores (the probe that ends the wait counts as the
round's first). Every row prints the median ratio over every attempt as well, spells
included, and the number of repeated attempts. The probe is on with ``--probe`` (it needs
threadpoolctl); without it every round counts, as in runs 1-69 of results/codegen.txt. It is
not the default because it costs time: with a third of the probes in spells (the Zen 4 on
2026-12-03), the ResNet backward's five rounds took 8 minutes instead of half a minute at
ccd87ce (then 6 attempts and 30 s waits; now at most 4 and 10 s). With the rounds
round-robin, the first round of all 52 rows took 11 minutes at f11f79a (about an hour per
run)."""


class TwoCoreProbe:
    """Tells whether the machine gives the process two full cores now (see PROBE_SIZE)."""

    def __init__(self, enabled):
        self.controller = None
        if enabled:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:
                raise SystemExit("--probe needs threadpoolctl: pip install threadpoolctl") from None
            self.controller = ThreadpoolController()
        self.matrix = np.random.default_rng(2).standard_normal((PROBE_SIZE, PROBE_SIZE))

    def best_seconds(self):
        """Best wall seconds of three multiplies."""
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            np.matmul(self.matrix, self.matrix)
            best = min(best, time.perf_counter() - start)
        return best

    def speedup(self):
        """One-thread time of the multiply over its two-thread time."""
        two = self.best_seconds()
        with self.controller.limit(limits=1, user_api="blas"):
            one = self.best_seconds()
        return one / two

    def steady(self):
        """Whether two threads run the multiply at least PROBE_SPEEDUP times faster than one."""
        return self.controller is None or self.speedup() >= PROBE_SPEEDUP

    def wait(self):
        """Wait (up to PROBE_WAIT_SECONDS) for a probe with two cores; whether the last
        probe found them."""
        if self.controller is None:
            return True
        deadline = time.perf_counter() + PROBE_WAIT_SECONDS
        while not self.steady():
            if time.perf_counter() >= deadline:
                return False
            time.sleep(1.0)
        return True


def measure_round(ours, theirs, repeats, probe):
    """One round: our block, then torch's, measured again while ``probe`` finds a spell.
    Returns the counted (wall ratio, CPU ratio, our seconds, torch's seconds) and the wall
    ratios of every attempt (one more than the attempts repeated)."""
    every = []
    for attempt in range(PROBE_ATTEMPTS):
        steady = probe.wait()
        a, a_cpu = block(ours, repeats)
        steady = probe.steady() and steady
        t, t_cpu = block(theirs, repeats)
        if probe.controller is not None:
            time.sleep(SETTLE_SECONDS)  # torch's idle threads spin: let them stop first
            steady = probe.steady() and steady
        every.append(a / t)
        if steady or attempt == PROBE_ATTEMPTS - 1:
            break
    return (a / t, a_cpu / t_cpu if t_cpu else float("nan"), a, t), every


def rss_kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def memory_child(side, dtype, directory):
    """Peak RSS (MiB) of one backward call above the RSS before it (second call)."""
    layer = LAYERS["resnet"]
    x, w, b, dy = problem(layer, dtype)
    if side == "torch":
        import torch
        torch.set_num_threads(2)
        _, call = torch_calls(layer, x, w, b, dy)
    else:
        module = generated_module(layer, directory)
        def call():
            return module.backward(dy, x, w)
    peaks = []
    for _ in range(2):
        before = rss_kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")
        result = call()
        peaks.append((rss_kib("VmHWM") - before) / 1024)
        del result
    print(json.dumps(peaks))


def memory(dtype):
    results = {}
    for side in ("numpy", "torch"):
        with tempfile.TemporaryDirectory() as directory:
            out = subprocess.run([sys.executable, __file__, "--memory-child", side, dtype,
                                  directory], capture_output=True, text=True, check=True)
        results[side] = json.loads(out.stdout.strip().splitlines()[-1])
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default="", help="run the layers whose name contains this")
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--probe", action="store_true",
                        help="measure again the rounds in spells without a second core")
    parser.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.memory_child:
        memory_child(*options.memory_child)
        return
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:
        torch = None
    print(f"torch: {torch.__version__ if torch else 'not installed'}; numpy {np.__version__}; "
          f"median of {options.rounds} rounds, each the median of {options.repeats} calls")
    print("load average (1, 5, 15 min) at the start: %.2f %.2f %.2f" % os.getloadavg())
    names = [name for name in LAYERS if options.only in name]
    dtypes = options.dtypes.split(",")
    ratios = {(dtype, part): [] for dtype in dtypes for part in ("backward", "forward")}
    every = {key: [] for key in ratios}  # the ratios over all rounds measured, spells included
    floors = {dtype: [] for dtype in dtypes}
    with tempfile.TemporaryDirectory() as directory:
        modules = {name: generated_module(LAYERS[name], directory, f"conv_{i}")
                   for i, name in enumerate(names)}
        if torch is not None:
            probe = TwoCoreProbe(options.probe)
            print(f"two-core probe: a {PROBE_SIZE}^2 float64 matmul, a round counts when two "
                  f"threads run it {PROBE_SPEEDUP}x faster than one" if options.probe else
                  "two-core probe: off (--probe), every round counts")
            print(f"{'layer':10} {'strategy':10} {'dtype':8} {'pass':8} {'gen ms':>8} "
                  f"{'torch ms':>8} {'wall':>6} {'cpu':>6} {'all':>6} {'again':>5} {'floor ms':>9} "
                  f"{'floor/t':>7}")
            # the rounds go round-robin over the layers: a spell of the machine lasting
            # 1 s to a minute then spoils one round of several layers (the median drops
            # it), not every round of one layer
            cases = []
            for dtype in dtypes:
                for name in names:
                    layer, module = LAYERS[name], modules[name]
                    x, w, b, dy = problem(layer, dtype)
                    forward, backward = torch_calls(layer, x, w, b, dy)
                    cases.append((name, dtype, "backward",
                                  lambda m=module, a=(dy, x, w): m.backward(*a), backward))
                    cases.append((name, dtype, "forward",
                                  lambda m=module, a=(x, w, b): m.forward(*a), forward))
            # per case: the counted rounds, and the wall ratios of every attempt of every round
            results = {case[:3]: ([], []) for case in cases}
            for number in range(options.rounds):
                for name, dtype, part, ours, theirs in cases:
                    counted, attempts = measure_round(ours, theirs, options.repeats, probe)
                    kept, all_attempts = results[name, dtype, part]
                    kept.append(counted)
                    all_attempts.extend(attempts)
                print(f"round {number + 1} of {options.rounds} done", file=sys.stderr, flush=True)
            for name, dtype, part, _, _ in cases:
                kept, all_attempts = results[name, dtype, part]
                again = len(all_attempts) - len(kept)  # attempts repeated in spells
                layer = LAYERS[name]
                wall = statistics.median(r[0] for r in kept)
                cpu = statistics.median(r[1] for r in kept)
                a = statistics.median(r[2] for r in kept)
                t = statistics.median(r[3] for r in kept)
                everything = statistics.median(all_attempts)
                ratios[dtype, part].append(wall)
                every[dtype, part].append(everything)
                floor = ""
                if part == "backward" and conv_strategy(spec_of(layer)) == "planes":
                    floor = f" {'-':>9} {'-':>7}"  # no multiply: no GEMM floor
                elif part == "backward":
                    probe.wait()
                    seconds = gemm_floor(layer, dtype, options.repeats)
                    floors[dtype].append(seconds / t)
                    floor = f" {1e3 * seconds:9.2f} {seconds / t:7.2f}"
                print(f"{name:10} {conv_strategy(spec_of(layer)):10} {dtype:8} "
                      f"{part:8} {1e3 * a:8.2f} {1e3 * t:8.2f} {wall:6.2f} {cpu:6.2f} "
                      f"{everything:6.2f} {again:5d}{floor}", flush=True)
            for (dtype, part), values in ratios.items():
                if values:
                    spells = every[dtype, part]
                    print(f"median generated/torch {part} {dtype}: "
                          f"{statistics.median(values):.2f} (max {max(values):.2f}); "
                          f"over all rounds measured {statistics.median(spells):.2f} "
                          f"(max {max(spells):.2f})")
            for dtype, values in floors.items():
                if values:
                    print(f"median GEMM floor/torch backward {dtype}: "
                          f"{statistics.median(values):.2f} (max {max(values):.2f})")
            print("load average (1, 5, 15 min) after the timings: %.2f %.2f %.2f"
                  % os.getloadavg())
            if options.probe:
                repeated = sum(len(attempts) - len(kept) for kept, attempts in results.values())
                print(f"attempts repeated in spells: {repeated}")
            if not options.no_memory and "resnet" in names:
                for dtype in dtypes:
                    peaks = memory(dtype)
                    print(f"peak MiB above the call's start, ResNet backward {dtype} "
                          f"(1st, 2nd call): numpy {peaks['numpy'][0]:.0f}, "
                          f"{peaks['numpy'][1]:.0f}; torch {peaks['torch'][0]:.0f}, "
                          f"{peaks['torch'][1]:.0f}")

    # naive loops: the mnist-k5 layer with batch 1 (the loops take seconds per image)
    layer = (1, *LAYERS["mnist-k5"][1:])
    _, cin, spatial, cout, k, s, p, d, g = layer
    with tempfile.TemporaryDirectory() as directory:
        module = generated_module(layer, directory)
    x, w, _, dy = problem(layer, "float64")
    ours, _ = block(lambda: module.backward(dy, x, w), options.repeats)
    start = time.perf_counter()
    conv_backward(dy, x, w, (s, s), ((p, p),) * 2, (d, d), g)
    naive = time.perf_counter() - start
    print(f"naive loops {layer}: {1e3 * naive:.0f} ms vs generated {1e3 * ours:.3f} ms: "
          f"{naive / ours:.0f}x faster")


if __name__ == "__main__":
    main()
