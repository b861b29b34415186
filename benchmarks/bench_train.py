"""Training the default network of proven kernels on scikit-learn's digits, vs PyTorch.

Usage: python benchmarks/bench_train.py [--epochs 20] [--repeats 5] [--threads 2]

1. The full run of ``symconv train`` (default model, seed 0): proof and chain-check time,
   training time, final train and test accuracy on the fixed held-out split.
2. One training epoch (batch 32, SGD with momentum, float32) of the generated network and
   of the same network written in PyTorch (CPU, ``torch.set_num_threads(threads)``), timed
   side by side; the figure is the median epoch time over repeats. torch is optional.
Needs scikit-learn (``pip install 'symconv[train]'``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_codegen import SETTLE_SECONDS  # noqa: E402
from symconv.network import check, data  # noqa: E402
from symconv.network.artifacts import verify  # noqa: E402
from symconv.network.spec import DEFAULT_MODEL, parse_model  # noqa: E402
from symconv.network.train import Settings, train  # noqa: E402


def numpy_epoch(net, params, velocity, dataset, batch, lr=0.05, momentum=0.9, seed=0):
    order = np.random.default_rng(seed).permutation(len(dataset.train_y))
    lr, momentum = np.float32(lr), np.float32(momentum)
    for first in range(0, len(order), batch):
        rows = order[first:first + batch]
        _, grads = net.loss_and_gradients(params, dataset.train_x[rows], dataset.train_y[rows])
        for key, grad in grads.items():
            velocity[key] *= momentum
            velocity[key] += grad
            params[key] -= lr * velocity[key]


def torch_model(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64, 10))


def torch_epoch(torch, model, optimiser, x, y, batch, seed=0):
    order = torch.from_numpy(np.random.default_rng(seed).permutation(len(y)))
    loss_fn = torch.nn.functional.cross_entropy
    for first in range(0, len(order), batch):
        rows = order[first:first + batch]
        optimiser.zero_grad()
        loss_fn(model(x[rows]), y[rows]).backward()
        optimiser.step()


def median_time(function, repeats):
    time.sleep(SETTLE_SECONDS)  # the other side's idle threads stop spinning
    function()   # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    options = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(options.threads))
    dataset = data.digits()

    start = time.perf_counter()
    verified = verify(parse_model(DEFAULT_MODEL, "1x8x8"))
    proof = time.perf_counter() - start
    net = check.load(verified.source)
    result = train(net, dataset, Settings(epochs=options.epochs,
                                          batch_size=options.batch_size))
    print(f"{DEFAULT_MODEL} on digits ({dataset.split})")
    print(f"proofs + chain check {proof:.1f} s; {options.epochs} epochs {result.seconds:.1f} s; "
          f"total {proof + result.seconds:.1f} s")
    print(f"train accuracy {result.train_accuracy:.2%}, test accuracy "
          f"{result.test_accuracy:.2%}")

    params = net.init(0)
    velocity = {key: np.zeros_like(value) for key, value in params.items()}
    ours = median_time(lambda: numpy_epoch(net, params, velocity, dataset,
                                           options.batch_size), options.repeats)
    print(f"one epoch, generated NumPy network: {ours * 1000:.0f} ms "
          f"(median of {options.repeats})")
    try:
        import torch
    except ImportError:
        print("torch is not installed: no PyTorch comparison (pip install torch)")
        return
    torch.set_num_threads(options.threads)
    torch.manual_seed(0)
    model = torch_model(torch)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y = torch.from_numpy(dataset.train_x), torch.from_numpy(dataset.train_y)
    theirs = median_time(lambda: torch_epoch(torch, model, optimiser, x, y,
                                             options.batch_size), options.repeats)
    print(f"one epoch, PyTorch {torch.__version__} ({options.threads} threads): "
          f"{theirs * 1000:.0f} ms")
    print(f"ratio generated / PyTorch: {ours / theirs:.2f} (target: at most 2)")


if __name__ == "__main__":
    main()
