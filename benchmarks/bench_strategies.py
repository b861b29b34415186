"""Two strategy choices for one layer of bench_codegen, timed against each other in one
process: the generated backward (or, with ``--pass forward``, the forward) as the rules
choose it (A), and as they choose it with some of the rules' constants changed (B).

LAYER is a layer of bench_codegen by name or N,C_in,SPATIAL,C_out,k,s,p,d,groups.

Usage: python benchmarks/bench_strategies.py LAYER --set NAME=VALUE [--set ...]
       [--dtypes float64,float32] [--rounds 15]
       python benchmarks/bench_strategies.py LAYER --against COMMIT [...]

e.g. ``resnet --set SHIFT_STACK_GRID=0`` (the ResNet layer on im2col instead of the shift
strategy's stack) or ``3d --set SHIFT_CHANNELS=16`` (the 3-d layer on col2im instead of the
shift strategy). NAME is a constant of ``symconv.layers.conv.module`` (a rule: B is generated
under it), or a constant of the generated module itself, such as ``STACK_BLOCK_BYTES``
(B is A's module, imported again, with the constant set); VALUE a number (``inf`` allowed).
With ``--against COMMIT``, B is the module that the code of an earlier commit generates (its
tree taken with ``git archive``, the module written by its own bench_codegen), e.g.
``c64-16 --against 99e1707`` for a change to the generated code since that commit.

The machine's speed drifts by up to 2x within minutes, which swamps a 10% difference between
two runs of bench_codegen. Here each round times one call of A, then one of B (after one
untimed call each, the same arrays; B goes first in every other round, so neither side
always follows the other), and the figure is the median over the rounds of the per-round
ratio B/A, with its smallest and largest value: both sides see the same drift.
Both modules' results are checked against each other first.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_codegen import (  # noqa: E402
    LAYERS,
    generated_module,
    imported,
    problem,
    spec_of,
)
from symconv.layers.conv import module as rules  # noqa: E402


def parsed_layer(text):
    """A layer of bench_codegen by name, or given as ``N,C_in,SPATIAL,C_out,k,s,p,d,groups``
    with SPATIAL its sizes joined by ``x`` (e.g. ``32,64,16x16,64,5,1,2,1,1``)."""
    if text in LAYERS:
        return LAYERS[text]
    fields = text.split(",")
    try:
        n, cin, spatial, cout, *window = fields
        layer = (int(n), int(cin), tuple(int(m) for m in spatial.split("x")), int(cout),
                 *(int(v) for v in window))
    except ValueError:
        layer = ()
    if len(fields) != 9 or len(layer) != 9:
        raise SystemExit(f"LAYER {text!r}: expected one of {', '.join(sorted(LAYERS))} or "
                         "N,C_in,SPATIAL,C_out,k,s,p,d,groups (SPATIAL like 16x16)")
    return layer


def described(layer):
    """The strategy the rules pick for ``layer``, with the shift strategy's method."""
    spec = spec_of(layer)
    strategy = rules.conv_strategy(spec)
    if strategy == "shift":
        strategy += f" ({rules.shift_method(spec)})"
    return strategy


def parsed_settings(pairs, module):
    """``NAME=VALUE`` pairs as ({rule: number}, {module constant: number}), refusing names
    that neither the rules nor the generated ``module`` have."""
    settings, constants = {}, {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        owner = rules if hasattr(rules, name) else module
        if not name.isupper() or not hasattr(owner, name) or not value:
            raise SystemExit(f"--set {pair}: expected NAME=VALUE with NAME a constant of "
                             "symconv.layers.conv.module or of the generated module")
        try:
            number = float(value)
        except ValueError:
            raise SystemExit(f"--set {pair}: VALUE must be a number") from None
        integral = isinstance(getattr(owner, name), int) and number.is_integer()
        (settings if owner is rules else constants)[name] = int(number) if integral else number
    return settings, constants


def module_at(commit, layer_name, directory):
    """The module for ``layer_name`` as the code of ``commit`` generates it: the commit's tree
    unpacked into ``directory`` and its own ``bench_codegen.generated_module`` run there."""
    tree = Path(directory) / "tree"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    script = ("import sys; from benchmarks.bench_codegen import LAYERS, generated_module; "
              "generated_module(LAYERS[sys.argv[1]], sys.argv[2], 'at_commit')")
    subprocess.run([sys.executable, "-c", script, layer_name, directory], cwd=tree, check=True,
                   env={**os.environ, "PYTHONPATH": str(tree)})
    return imported(Path(directory) / "at_commit.py")


def one_call(module, dy, x, w, pass_="backward"):
    """Seconds of one backward call (or one forward call)."""
    start = time.perf_counter()
    if pass_ == "forward":
        module.forward(x, w)
    else:
        module.backward(dy, x, w)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("layer", help=f"one of {', '.join(sorted(LAYERS))}, or "
                        "N,C_in,SPATIAL,C_out,k,s,p,d,groups (SPATIAL like 16x16)")
    parser.add_argument("--set", dest="settings", action="append", default=[],
                        metavar="NAME=VALUE")
    parser.add_argument("--against", metavar="COMMIT",
                        help="B: the module as the code of COMMIT generates it")
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pass", dest="pass_", choices=("backward", "forward"),
                        default="backward", help="the pass to time (default: backward)")
    options = parser.parse_args(argv)
    if options.against and options.settings:
        raise SystemExit("--against and --set: choose one")
    layer = parsed_layer(options.layer)
    directory = tempfile.mkdtemp()
    first = generated_module(layer, directory, "as_chosen")
    if options.against:
        if options.layer not in LAYERS:
            raise SystemExit("--against: LAYER must be one of bench_codegen's, by name")
        second = module_at(options.against, options.layer, tempfile.mkdtemp())
        print(f"{options.layer} {layer}: A = {described(layer)} (this tree); "
              f"B = as generated at {options.against}")
    else:
        strategies = [described(layer)]
        settings, constants = parsed_settings(options.settings, first)
        with mock.patch.multiple(rules, **settings) if settings else contextlib.nullcontext():
            second = generated_module(layer, directory, "with_settings")
            strategies.append(described(layer))
        for name, value in constants.items():
            setattr(second, name, value)  # read by the module's functions at each call
        print(f"{options.layer} {layer}: A = {strategies[0]}; "
              f"B = {strategies[1]} ({', '.join(options.settings) or 'no change'})")
    for dtype in options.dtypes.split(","):
        x, w, _, dy = problem(layer, dtype)
        tolerance = 1e-9 if dtype == "float64" else 1e-4
        if options.pass_ == "forward":
            pairs = [(second.forward(x, w), first.forward(x, w))]
        else:
            pairs = zip(second.backward(dy, x, w), first.backward(dy, x, w))
        for got, want in pairs:
            assert np.abs(got - want).max() <= tolerance * max(1.0, np.abs(want).max())
        times = {"A": [], "B": []}
        for round_ in range(options.rounds):
            sides = (("A", first), ("B", second))
            for name, module in sides if round_ % 2 == 0 else sides[::-1]:
                one_call(module, dy, x, w, options.pass_)  # untimed
                times[name].append(one_call(module, dy, x, w, options.pass_))
        ratios = [b / a for a, b in zip(times["A"], times["B"])]
        print(f"  {dtype}: A {statistics.median(times['A']) * 1e3:.2f} ms, "
              f"B {statistics.median(times['B']) * 1e3:.2f} ms (medians); B/A per round: "
              f"median {statistics.median(ratios):.3f}, range {min(ratios):.2f}-"
              f"{max(ratios):.2f} over {options.rounds} rounds")


if __name__ == "__main__":
    main()
