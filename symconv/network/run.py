"""What ``symconv network`` and ``symconv train`` do, below the argument parsing."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import numpy as np

from symconv.errors import SpecError
from symconv.network import check, data, figures
from symconv.network.artifacts import verify
from symconv.network.document import files
from symconv.network.spec import DEFAULT_MODEL, parse_model
from symconv.network.train import Settings, train
from symconv.output import check_target, shown, write_all_atomically

BAR = 30


def write_all(folder: Path, contents: dict[str, str | bytes], option: str = "-o") -> list[Path]:
    """Write the files named in ``contents`` into ``folder`` as one transaction: all of them
    are the new ones, or none changed (see :mod:`symconv.output`)."""
    return write_all_atomically({folder / name: contents[name] for name in sorted(contents)},
                                option)


def output_folder(output: str) -> Path:
    """The folder ``-o`` names; '-' is refused: these commands write several files."""
    if output == "-":
        raise SpecError("-o", "'-' (standard output) does not apply: this command writes "
                              "several files into a folder")
    return Path(output)


def network_command(model: str | None, input_shape: str, output: str) -> int:
    """Prove, check and write a network; print what was written."""
    spec = parse_model(DEFAULT_MODEL if model is None else model, input_shape)
    folder = output_folder(output)
    start = time.perf_counter()
    verified = verify(spec)
    contents = files(verified)
    written = write_all(folder, contents)
    print(f"{spec.model}: {len(spec.layers)} layers, {spec.parameter_count:,} parameters; "
          f"every layer proven, chain checked ({time.perf_counter() - start:.1f} s)")
    print(f"  tiny instance: {verified.tiny.spec.model}")
    for result in verified.checks:
        print(f"  {result.line()}")
    print(f"wrote {len(written)} files into {shown(str(folder))}/: network.py, derivation.tex, "
          f"derivation.md, proof.json and each layer's derivation")
    return 0


class ProgressBar:
    """One line per epoch on stderr: a bar while it runs (on a terminal), then the totals."""

    def __init__(self, epochs: int, stream=None):
        self.epochs = epochs
        self.stream = stream or sys.stderr
        self.live = getattr(self.stream, "isatty", lambda: False)()

    def __call__(self, epoch: int, done: int, total: int, values: dict) -> None:
        filled = BAR * done // max(total, 1)
        bar = "#" * filled + "." * (BAR - filled)
        head = f"epoch {epoch + 1:>{len(str(self.epochs))}}/{self.epochs} [{bar}]"
        if "test_accuracy" in values:
            self.stream.write(f"\r{head} loss {values['loss']:.4f}  train "
                              f"{values['train_accuracy']:.2%}  test "
                              f"{values['test_accuracy']:.2%}  {values['seconds']:.2f} s\n")
        elif self.live:
            self.stream.write(f"\r{head} loss {values['loss']:.4f}  {values['seconds']:.2f} s")
        self.stream.flush()


def train_command(model: str | None, source: str, settings: Settings, output: str,
                  as_json: bool) -> int:
    """Load the data, build the network for its input, train, report and write the files."""
    started = time.perf_counter()
    folder = output_folder(output)
    dataset = data.load(source)
    shape = "x".join(map(str, dataset.input_shape))
    spec = parse_model(DEFAULT_MODEL if model is None else model, shape)
    if spec.classes < dataset.classes:
        raise SpecError("--model", f"ends in {spec.classes} classes but the data has "
                                   f"{dataset.classes}")
    for name in ("params.npz", "learning-curves.svg", "confusion.svg", "network.py"):
        check_target(folder / name)   # refuse before any work
    proof_start = time.perf_counter()
    verified = verify(spec)
    proof_seconds = time.perf_counter() - proof_start
    net = check.load(verified.source)
    log = sys.stderr
    print(f"{spec.model} on {dataset.name}: {dataset.split}", file=log)
    print(f"every layer proven and the chain checked in {proof_seconds:.1f} s; training "
          f"{settings.epochs} epochs, batch {settings.batch_size}, SGD lr {settings.lr} "
          f"(cosine), momentum {settings.momentum}, seed {settings.seed}", file=log)
    result = train(net, dataset, settings, ProgressBar(settings.epochs, log))
    buffer = io.BytesIO()
    np.savez(buffer, **result.params)
    written = write_all(folder, {
        "params.npz": buffer.getvalue(),
        "network.py": verified.source,
        "learning-curves.svg": figures.learning_curves(result.history),
        "confusion.svg": figures.confusion(result.confusion),
    })
    total = time.perf_counter() - started
    summary = {"model": spec.model, "data": dataset.name, "split": dataset.split,
               "epochs": settings.epochs, "batch_size": settings.batch_size,
               "seed": settings.seed, "lr": settings.lr, "momentum": settings.momentum,
               "history": result.history, "train_accuracy": result.train_accuracy,
               "test_accuracy": result.test_accuracy,
               "confusion": result.confusion.tolist(),
               "seconds": {"prove_and_check": proof_seconds, "train": result.seconds,
                           "total": total},
               "files": [str(path) for path in written]}
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"train accuracy {result.train_accuracy:.2%}, test accuracy "
              f"{result.test_accuracy:.2%} ({len(dataset.test_y)} held-out images)")
        print(f"time: proofs and chain check {proof_seconds:.1f} s, training "
              f"{result.seconds:.1f} s, total {total:.1f} s")
        print(f"wrote {', '.join(shown(str(path)) for path in written)}")
    return 0
