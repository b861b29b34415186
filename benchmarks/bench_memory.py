"""Memory of a generated conv module's backward() vs torch's, each in a fresh subprocess.

Usage: python benchmarks/bench_memory.py [--config NAME ...] [--dtype float32]

For every configuration the parent renders (and proves) the NumPy module, then starts one
child process per implementation. The child allocates x, w and dy, imports its
implementation, and measures resident memory (``/proc/self/status``; the high-water mark is
reset through ``/proc/self/clear_refs`` before each call):

    peak 1 / peak 2   the highest RSS during the first / second backward call, above the RSS
                      just before that call (inputs already allocated, results of earlier
                      calls dropped) — the returned gradients count
    kept              RSS after the call with its results dropped, above the RSS before it:
                      workspace that stays allocated between calls
    traced            (NumPy only) tracemalloc's peak and kept figures for the first call

torch is optional (``pip install torch==2.13.0``): without it one line says so and only the
NumPy module is measured. torch runs with 2 threads, like benchmarks/bench_codegen.py.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIB = 2**20

# name: (N, C_in, H=W, C_out, k, s, p)
CONFIGS = {
    "issue-9.5-64x64x56x56-k3-p1": (64, 64, 56, 64, 3, 1, 1),
    "s2-64x64x56x56-to-128-k3-p1": (64, 64, 56, 128, 3, 2, 1),
    "issue-9.2-64x1x28x28-to-6-k5": (64, 1, 28, 6, 5, 1, 0),
}

CHILD = r"""
import gc, json, sys, time
import numpy as np

impl, module_path, dtype = sys.argv[1], sys.argv[2], sys.argv[3]
n, cin, hw, cout, k, s, p = map(int, sys.argv[4:11])


def status(key):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def reset_peak():
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


rng = np.random.default_rng(0)
x = rng.standard_normal((n, cin, hw, hw), dtype=np.float32).astype(dtype)
w = rng.standard_normal((cout, cin, k, k), dtype=np.float32).astype(dtype)
m = (hw + 2 * p - k) // s + 1
dy = rng.standard_normal((n, cout, m, m), dtype=np.float32).astype(dtype)

if impl == "numpy":
    import importlib.util
    loader = importlib.util.spec_from_file_location("conv_module", module_path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)

    def call():
        return module.backward(dy, x, w)
    import tracemalloc
    tracemalloc.start()
else:
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(2)
    xt = torch.from_numpy(x).requires_grad_(True)
    wt = torch.from_numpy(w).requires_grad_(True)
    bt = torch.zeros(cout, dtype=xt.dtype, requires_grad=True)
    dyt = torch.from_numpy(dy)

    def call():
        xt.grad = wt.grad = bt.grad = None
        F.conv2d(xt, wt, bt, stride=s, padding=p).backward(dyt)
        grads = (xt.grad, wt.grad, bt.grad)
        xt.grad = wt.grad = bt.grad = None
        return grads

report = {}
for attempt in (1, 2):
    gc.collect()
    before = status("VmRSS")
    if impl == "numpy":
        tracemalloc.reset_peak()
        traced_before = tracemalloc.get_traced_memory()[0]
    reset_peak()
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    peak = status("VmHWM") - before
    del result
    gc.collect()
    report[f"peak{attempt}"] = peak
    report[f"kept{attempt}"] = status("VmRSS") - before
    report[f"seconds{attempt}"] = seconds
    if impl == "numpy":
        current, traced_peak = tracemalloc.get_traced_memory()
        report[f"traced_peak{attempt}"] = traced_peak - traced_before
        report[f"traced_kept{attempt}"] = current - traced_before
print(json.dumps(report))
"""


def render_module(config, directory):
    from symconv.algebra.geometry import WindowSpec
    from symconv.layers.conv.layer import LAYER as CONV
    from symconv.layers.conv.spec import ConvSpec
    from symconv.render.artifacts import generate

    _, cin, hw, cout, k, s, p = config
    window = WindowSpec((hw, hw), (k, k), (s, s), ((p, p),) * 2, (1, 1))
    source, derivation = generate(CONV, ConvSpec(window, cin, cout, 1, 1))
    assert derivation.proven
    path = Path(directory) / f"conv_{'_'.join(map(str, config))}.py"
    path.write_text(source)
    return path


def measure(impl, module_path, dtype, config):
    process = subprocess.run(
        [sys.executable, "-c", CHILD, impl, str(module_path), dtype, *map(str, config)],
        capture_output=True, text=True)
    if process.returncode != 0:
        raise RuntimeError(f"{impl} child failed:\n{process.stderr}")
    return json.loads(process.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", action="append", choices=sorted(CONFIGS))
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    arguments = parser.parse_args()
    try:
        import torch
        has_torch = True
        print(f"torch {torch.__version__} (2 threads)")
    except ImportError:
        has_torch = False
        print("torch: not installed (pip install torch==2.13.0); measuring the NumPy module only")
    names = arguments.config or list(CONFIGS)
    header = (f"{'config (N,Cin,HW,Cout,k,s,p)':42} {'impl':6} {'peak1':>8} {'peak2':>8} "
              f"{'kept':>8} {'traced peak/kept':>17} {'call2 s':>8}   (MiB)")
    print(f"dtype {arguments.dtype}")
    print(header)
    with tempfile.TemporaryDirectory() as directory:
        for name in names:
            config = CONFIGS[name]
            path = render_module(config, directory)
            results = {"numpy": measure("numpy", path, arguments.dtype, config)}
            if has_torch:
                results["torch"] = measure("torch", path, arguments.dtype, config)
            for impl, r in results.items():
                traced = (f"{r['traced_peak1'] / MIB:8.0f}/{r['traced_kept1'] / MIB:<8.0f}"
                          if "traced_peak2" in r else f"{'':17}")
                print(f"{name + ' ' + str(config):42} {impl:6} {r['peak1'] / MIB:8.0f} "
                      f"{r['peak2'] / MIB:8.0f} {r['kept1'] / MIB:8.0f} {traced} "
                      f"{r['seconds2']:8.3f}", flush=True)
            if has_torch:
                ratios = [results["numpy"][key] / max(results["torch"][key], 1)
                          for key in ("peak1", "peak2")]
                print(f"{'':42} numpy/torch peak1 {ratios[0]:.2f}, peak2 {ratios[1]:.2f}")


if __name__ == "__main__":
    main()
