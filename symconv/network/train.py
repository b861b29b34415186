"""Mini-batch SGD with momentum on a generated network; the same seed gives the same numbers.

Update per batch (PyTorch's ``SGD(momentum=mu)``): ``v = mu v + g``, ``p = p - lr v``, with
``g = gradients(params, x, y)`` of the mean loss over the batch. The learning rate follows
a cosine from ``lr`` down to 0 over the run. The seed fixes the initial parameters and the
order of the examples in every epoch; the test split never changes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from symconv.network.data import Dataset
from symconv.network.defaults import TRAINING


@dataclass
class Settings:
    epochs: int = TRAINING["epochs"]
    batch_size: int = TRAINING["batch_size"]
    seed: int = TRAINING["seed"]
    lr: float = TRAINING["lr"]
    momentum: float = TRAINING["momentum"]

    def learning_rate(self, epoch: int) -> float:
        """Cosine decay: ``lr (1 + cos(pi epoch / epochs)) / 2`` for epoch 0, 1, ..."""
        return self.lr * (1 + math.cos(math.pi * epoch / self.epochs)) / 2


@dataclass
class Result:
    """The trained parameters, the per-epoch history and the final figures."""

    params: dict[str, np.ndarray]
    history: list[dict] = field(default_factory=list)
    train_accuracy: float = 0.0
    test_accuracy: float = 0.0
    confusion: np.ndarray | None = None
    seconds: float = 0.0


def accuracy(net, params, x: np.ndarray, y: np.ndarray, batch: int = 512) -> float:
    """The fraction of ``x`` whose predicted class is ``y``."""
    return float(np.mean(predictions(net, params, x, batch) == y)) if len(y) else 0.0


def predictions(net, params, x: np.ndarray, batch: int = 512) -> np.ndarray:
    return np.concatenate([net.predict(params, x[i:i + batch]) for i in range(0, len(x), batch)]
                          or [np.zeros(0, np.int64)])


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """``m[t, p]``: how many examples of class ``t`` were predicted as ``p``.

    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]), 2).tolist()
    [[1, 0], [1, 1]]
    """
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


Progress = Callable[[int, int, int, dict], None]
"""``progress(epoch, done, total, values)``: called after every batch and epoch."""


def train(net, data: Dataset, settings: Settings, progress: Progress | None = None) -> Result:
    """Train ``net`` (a loaded ``network.py``) on ``data``; float32 throughout."""
    params = net.init(settings.seed, dtype=np.float32)
    velocity = {key: np.zeros_like(value) for key, value in params.items()}
    rng = np.random.default_rng(settings.seed)
    result = Result(params)
    count = len(data.train_y)
    start = time.perf_counter()
    for epoch in range(settings.epochs):
        began = time.perf_counter()
        lr = np.float32(settings.learning_rate(epoch))
        momentum = np.float32(settings.momentum)
        order = rng.permutation(count)
        total_loss = 0.0
        for first in range(0, count, settings.batch_size):
            batch = order[first:first + settings.batch_size]
            x, y = data.train_x[batch], data.train_y[batch]
            loss, grads = net.loss_and_gradients(params, x, y)
            total_loss += loss * len(batch)
            for key, grad in grads.items():
                velocity[key] *= momentum
                velocity[key] += grad
                params[key] -= lr * velocity[key]
            done = min(first + settings.batch_size, count)
            if progress:
                progress(epoch, done, count, {"loss": total_loss / done,
                                              "seconds": time.perf_counter() - began})
        seconds = time.perf_counter() - began
        entry = {"epoch": epoch + 1, "lr": float(lr), "loss": total_loss / count,
                 "train_accuracy": accuracy(net, params, data.train_x, data.train_y),
                 "test_accuracy": accuracy(net, params, data.test_x, data.test_y),
                 "seconds": seconds}
        result.history.append(entry)
        if progress:
            progress(epoch, count, count, entry)
    result.seconds = time.perf_counter() - start
    result.train_accuracy = result.history[-1]["train_accuracy"] if result.history else 0.0
    result.test_accuracy = (result.history[-1]["test_accuracy"] if result.history
                            else accuracy(net, params, data.test_x, data.test_y))
    result.confusion = confusion_matrix(data.test_y,
                                        predictions(net, params, data.test_x), net.CLASSES)
    return result
