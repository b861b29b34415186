"""``network`` and ``train``: a whole CNN from proven kernels."""

from __future__ import annotations

import sys

from symconv.errors import SpecError
from symconv.network import run as network_run
from symconv.network.build import NetworkNotProven
from symconv.network.check import ChainError
from symconv.network.data import MissingExtra
from symconv.network.train import Settings


def command_network(options) -> int:
    try:
        return network_run.network_command(options.model, options.input, options.output)
    except (NetworkNotProven, ChainError) as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 1


def command_train(options) -> int:
    for name in ("epochs", "batch_size"):
        if getattr(options, name) < 1:
            raise SpecError("--" + name.replace("_", "-"), "must be a positive integer")
    if options.seed < 0 or options.lr <= 0 or not 0 <= options.momentum < 1:
        raise SpecError("--seed/--lr/--momentum", "need seed >= 0, lr > 0, 0 <= momentum < 1")
    settings = Settings(options.epochs, options.batch_size, options.seed, options.lr,
                        options.momentum)
    try:
        return network_run.train_command(options.model, options.data, settings,
                                         options.output, options.json)
    except MissingExtra as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 2
    except (NetworkNotProven, ChainError) as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 1
