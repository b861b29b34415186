"""The ``symconv`` command line (DESIGN §3).

Exit codes: 0 success, 1 an identity failed (or ``regenerate --check`` found drift),
2 bad input — always one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

from symconv.codegen import generate
from symconv.errors import SpecError
from symconv.options import conv_spec_from_options
from symconv.output import write_atomically
from symconv.pipeline import Derivation, run


class UsageError(Exception):
    """Raised instead of argparse's two-line usage message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def add_layer_options(parser: argparse.ArgumentParser) -> None:
    """The OPTIONS shared by ``prove``, ``latex`` and ``codegen``."""
    parser.add_argument("--layer", default="conv", help="layer kind (default: conv)")
    parser.add_argument("--input", default="3x3", help="spatial size, e.g. 7, 5x5, 4x4x4")
    parser.add_argument("--kernel", default="2x2", help="kernel size per axis")
    parser.add_argument("--stride", default="1", help="stride per axis")
    parser.add_argument("--padding", default="0",
                        help="padding per axis; 'low:high' for asymmetric, e.g. 0:1x1:0")
    parser.add_argument("--dilation", default="1", help="dilation per axis")
    parser.add_argument("--in-channels", type=int, default=1)
    parser.add_argument("--out-channels", type=int, default=1)
    parser.add_argument("--groups", type=int, default=1)
    parser.add_argument("--batch", type=int, default=1)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symconv", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    prove = commands.add_parser("prove", help="derive and prove the backward identities")
    add_layer_options(prove)
    prove.add_argument("--json", action="store_true", help="print one JSON object")
    codegen = commands.add_parser("codegen", help="write a tested NumPy forward/backward module")
    add_layer_options(codegen)
    codegen.add_argument("-o", "--output", required=True, help="the .py file to write")
    return parser


def spec_from_options(options):
    if options.layer != "conv":
        raise SpecError("--layer", f"must be one of conv, got {options.layer!r}")
    return conv_spec_from_options(options)


def describe(derivation: Derivation) -> str:
    """One line naming the layer geometry and its output size."""
    spec = derivation.spec
    w = spec.window

    def axes(values):
        return "x".join(str(v) for v in values)

    padding = "x".join(f"{lo}:{hi}" if lo != hi else str(lo) for lo, hi in w.padding)
    return (f"conv {w.rank}-d: input {axes(w.input)}, kernel {axes(w.kernel)}, "
            f"stride {axes(w.stride)}, padding {padding}, dilation {axes(w.dilation)}, "
            f"channels {spec.in_channels}->{spec.out_channels}, groups {spec.groups}, "
            f"batch {spec.batch}\noutput {axes(w.output)}, leftover r = {axes(w.leftover)}")


def prove_report(derivation: Derivation) -> str:
    """The human-readable proof report: one line per identity, then a verdict."""
    lines = [describe(derivation)]
    for result in derivation.results:
        verdict = "proven" if result.proven else "FAILED"
        lines.append(f"  {verdict:6}  {result.name}  {result.elements:>7} elements "
                     f"{result.terms:>9} terms  {result.seconds:7.3f} s  {result.statement}")
        if result.mismatch is not None:
            m = result.mismatch
            lines.append(f"          first mismatch at {result.name}{list(m.index)}:\n"
                         f"            derived: {m.derived}\n            closed:  {m.closed}")
    total = sum(derivation.seconds.values())
    count = len(derivation.results)
    verdict = (f"all {count} identities proven" if derivation.proven
               else f"{sum(not r.proven for r in derivation.results)} of {count} identities FAILED")
    lines.append(f"{verdict} in {total:.3f} s "
                 f"({derivation.terms:,} forward terms; exact term comparison)")
    return "\n".join(lines)


def command_prove(options) -> int:
    derivation = run(options.layer, spec_from_options(options))
    if options.json:
        print(json.dumps(derivation.report(), indent=2))
    else:
        print(prove_report(derivation))
    return 0 if derivation.proven else 1


def failure(derivation: Derivation) -> int:
    """Print the proof report to stderr and return exit code 1."""
    print(prove_report(derivation), file=sys.stderr)
    print("symconv: error: an identity failed; nothing was written", file=sys.stderr)
    return 1


def command_codegen(options) -> int:
    spec = spec_from_options(options)
    source, derivation = generate(spec)
    if not derivation.proven:
        return failure(derivation)
    path = write_atomically(options.output, source)
    print(f"wrote {path}: forward(x, w, b=None), backward(dy, x, w) -> (dx, dw, db)")
    print(f"identities proven exactly on x {derivation.spec.input_shape}, "
          f"w {derivation.spec.weight_shape}")
    return 0


COMMANDS = {"prove": command_prove, "codegen": command_codegen}


def main(argv: list[str] | None = None) -> int:
    try:
        options = build_parser().parse_args(argv)
        return COMMANDS[options.command](options)
    except (UsageError, SpecError) as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
