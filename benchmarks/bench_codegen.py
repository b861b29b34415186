"""Generated NumPy conv backward vs torch CPU (2 threads) and vs the naive loop reference.

Usage: python benchmarks/bench_codegen.py [--repeats 15]

Each implementation is timed in its own block (alternating torch and NumPy calls slows both
on 2 cores); the figure is the median over repeats after a warm-up call. Ratios are
generated-time / torch-time from the same run. torch is optional: without it only the
naive-loop comparison is printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symconv.algebra.geometry import WindowSpec  # noqa: E402
from symconv.layers.conv import LAYER as CONV  # noqa: E402
from symconv.layers.conv.spec import ConvSpec  # noqa: E402
from symconv.render.artifacts import generate  # noqa: E402
from tests.loop_reference import conv_backward  # noqa: E402

# (N, C_in, H=W, C_out, k, s, p, d), from the codegen issue
CONFIGS = [(8, 1, 28, 8, 5, 1, 0, 1), (32, 3, 32, 16, 3, 1, 1, 1), (32, 16, 32, 32, 3, 2, 1, 1),
           (64, 64, 16, 64, 3, 1, 1, 1), (16, 3, 64, 16, 7, 2, 3, 1), (8, 8, 32, 8, 3, 1, 2, 2)]


def generated_module(config, directory):
    """Generate (and prove) the module for ``config`` and import it."""
    _, cin, hw, cout, k, s, p, d = config
    window = WindowSpec((hw, hw), (k, k), (s, s), ((p, p),) * 2, (d, d))
    source, derivation = generate(CONV, ConvSpec(window, cin, cout, 1, 1))
    assert derivation.proven
    path = Path(directory) / f"conv_{'_'.join(map(str, config))}.py"
    path.write_text(source)
    loader = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module


def median_time(function, repeats):
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_backward(config, x, w, dy):
    import torch
    import torch.nn.functional as F

    _, _, _, _, _, s, p, d = config
    xt = torch.from_numpy(x).requires_grad_(True)
    wt = torch.from_numpy(w).requires_grad_(True)
    bt = torch.zeros(w.shape[0], dtype=xt.dtype, requires_grad=True)
    dyt = torch.from_numpy(dy)

    def step():
        xt.grad = wt.grad = bt.grad = None
        F.conv2d(xt, wt, bt, stride=s, padding=p, dilation=d).backward(dyt)
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    repeats = parser.parse_args().repeats
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:
        torch = None
    print(f"torch: {torch.__version__ if torch else 'not installed'}; numpy {np.__version__}")
    print(f"{'config (N,Cin,HW,Cout,k,s,p,d)':34} {'dtype':8} {'numpy ms':>9} "
          f"{'torch ms':>9} {'ratio':>6}")
    ratios = {"float64": [], "float32": []}
    with tempfile.TemporaryDirectory() as directory:
        modules = {config: generated_module(config, directory) for config in CONFIGS}
        for dtype in ("float64", "float32"):
            for config in CONFIGS:
                n, cin, hw, cout, k, *_ = config
                rng = np.random.default_rng(0)
                module = modules[config]
                x = rng.standard_normal((n, cin, hw, hw)).astype(dtype)
                w = rng.standard_normal((cout, cin, k, k)).astype(dtype)
                dy = rng.standard_normal(module.forward(x, w).shape).astype(dtype)
                ours = median_time(lambda m=module, a=(dy, x, w): m.backward(*a), repeats)
                line = f"{str(config):34} {dtype:8} {1e3 * ours:9.2f}"
                if torch is not None:
                    theirs = median_time(torch_backward(config, x, w, dy), repeats)
                    ratios[dtype].append(ours / theirs)
                    line += f" {1e3 * theirs:9.2f} {ours / theirs:6.2f}"
                print(line, flush=True)
    for dtype, values in ratios.items():
        if values:
            print(f"median ratio numpy/torch, {dtype}: {statistics.median(values):.2f}")

    # naive loops: the first config with batch 1 (the loops take seconds per image)
    config = (1, *CONFIGS[0][1:])
    _, cin, hw, cout, k, s, p, d = config
    with tempfile.TemporaryDirectory() as directory:
        module = generated_module(config, directory)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, cin, hw, hw))
    w = rng.standard_normal((cout, cin, k, k))
    dy = rng.standard_normal(module.forward(x, w).shape)
    ours = median_time(lambda: module.backward(dy, x, w), repeats)
    start = time.perf_counter()
    conv_backward(dy, x, w, (s, s), ((p, p),) * 2, (d, d), 1)
    naive = time.perf_counter() - start
    print(f"naive loops {config}: {1e3 * naive:.0f} ms vs generated {1e3 * ours:.3f} ms: "
          f"{naive / ours:.0f}x faster")


if __name__ == "__main__":
    main()
