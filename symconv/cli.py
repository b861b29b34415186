"""The ``symconv`` command line (DESIGN §3), a thin layer on :mod:`symconv.api`.

Exit codes: 0 success, 1 an identity failed (or ``regenerate --check`` found drift),
2 bad input — always one line on stderr, never a traceback; 130 after Ctrl-C, 141 (silently)
when the reader of standard output has gone. Every file is rendered in memory
first and then written atomically, so a failure leaves no partial output.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from symconv import __version__
from symconv.errors import SpecError
from symconv.network.defaults import DEFAULT_INPUT, DEFAULT_MODEL, TRAINING
from symconv.render.compile import CompileError

COUNT_OPTIONS = ("in_channels", "out_channels", "groups", "batch", "in_features",
                 "out_features", "classes")
LAYER_NAMES = ("conv", "maxpool", "avgpool", "relu", "linear", "softmax-ce")
"""For --help without loading the layers; tests/test_cli.py checks it against the registry."""

# (group title, [(option name, help)]): --help lists the options by the layers they apply to
OPTION_GROUPS = [
    ("geometry (conv, maxpool, avgpool; relu takes --input only)", [
        ("input", "spatial size, e.g. 7, 5x5, 4x4x4 (default 3x3)"),
        ("kernel", "kernel or pooling window per axis (default 2)"),
        ("stride", "stride per axis (default 1; pooling: the window)"),
        ("padding", "zero padding per axis; 'low:high' for asymmetric, e.g. 0:1x1:0"),
        ("dilation", "spacing between kernel taps (default 1; not avgpool)"),
    ]),
    ("channels (conv; pooling and relu take --in-channels and --batch)", [
        ("in_channels", "input channels (default 1)"),
        ("out_channels", "conv: output channels (default 1)"),
        ("groups", "conv: channel groups (default 1)"),
        ("batch", "batch size (default 1)"),
    ]),
    ("linear", [("in_features", "input features (default 3)"),
                ("out_features", "output features (default 2)")]),
    ("softmax-ce", [("classes", "number of classes (default 3)")]),
]


def ascii_integer(text: str) -> int:
    """An argparse type: a non-negative integer in ASCII digits only (no sign, ``_``, spaces)."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a non-negative integer in ASCII digits, "
                                         f"got {text!r}")
    if len(text) > 7:   # every count symconv takes is far below this
        raise argparse.ArgumentTypeError(f"must be at most 9999999, got {text}")
    return int(text)


class UsageError(Exception):
    """Raised instead of argparse's two-line usage message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        # "argument --batch: ..." -> "--batch: ...", the form every other error takes
        message = message.removeprefix("argument ")
        if message.startswith("command: invalid choice"):   # `symconv --kernel 3`
            message = ("the first argument must be a command (prove, latex, codegen, check, "
                       "regenerate, network, train) or nothing; " + message.split(": ", 1)[1])
        raise UsageError(message)


def add_layer_options(parser: argparse.ArgumentParser) -> None:
    """The OPTIONS shared by ``prove``, ``latex`` and ``codegen`` (DESIGN §3)."""
    parser.add_argument("--layer", default="conv",
                        help=f"one of {', '.join(LAYER_NAMES)} (default: conv)")
    for title, options in OPTION_GROUPS:
        group = parser.add_argument_group(title)
        for name, text in options:
            group.add_argument("--" + name.replace("_", "-"), dest=name, default=None,
                               type=ascii_integer if name in COUNT_OPTIONS else str, help=text)
    group = parser.add_argument_group("avgpool")
    group.add_argument("--count-include-pad", dest="count_include_pad", default=None,
                       action=argparse.BooleanOptionalAction,
                       help="divide by the whole window, padding included (default: yes, "
                            "like PyTorch)")


def add_all_sizes_options(parser: argparse.ArgumentParser) -> None:
    """``--all-sizes [--rank 1|2|3]``: the convolution for every size at once."""
    group = parser.add_argument_group("all sizes (conv; no instance options)")
    group.add_argument("--all-sizes", dest="all_sizes", action="store_true",
                       help="prove dW, dX and db for every size, channels, groups and batch")
    group.add_argument("--rank", type=ascii_integer, choices=(1, 2, 3), default=None,
                       help="spatial axes of the all-sizes proof (default 2)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symconv", description="Derive, prove and render the backward pass "
                     "of a CNN layer. With no command: the default example into ./symconv-out/.")
    parser.add_argument("--version", action="version", version=f"symconv {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    prove = commands.add_parser("prove", help="derive and prove the backward identities")
    add_layer_options(prove)
    prove.add_argument("--json", action="store_true", help="print one JSON object")
    add_all_sizes_options(prove)
    latex = commands.add_parser("latex", help="write the derivation document")
    add_layer_options(latex)
    latex.add_argument("-o", "--output", required=True,
                       help="the .tex (or .md) file to write; '-' for standard output (tex)")
    latex.add_argument("--format", choices=("tex", "md"), default=None,
                       help="tex: LaTeX with TikZ figures; md: Markdown with KaTeX math and "
                            "SVG figures beside it (default: from the suffix of -o)")
    latex.add_argument("--pdf", action="store_true", help="also compile the PDF with pdflatex")
    add_all_sizes_options(latex)
    codegen = commands.add_parser("codegen", help="write a tested NumPy forward/backward module")
    add_layer_options(codegen)
    codegen.add_argument("-o", "--output", required=True,
                         help="the .py file to write; '-' for standard output")
    check = commands.add_parser("check", help="check a backward implementation against the "
                                "derivation (exact evaluation, term-level report)")
    check.add_argument("target", metavar="FILE.py:FUNCTION",
                       help="the function, with the signature of the generated backward")
    add_layer_options(check)
    check.add_argument("--sweep", action="store_true",
                       help="check every spec of the layer's covering sweep")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    regenerate = commands.add_parser("regenerate", help="rewrite generated/ from the catalogue")
    regenerate.add_argument("--check", action="store_true",
                            help="write nothing; exit 1 listing stale, missing or extra files")
    regenerate.add_argument("--root", default="generated", help="the folder (default: generated)")
    add_network_commands(commands)
    return parser


def add_network_commands(commands) -> None:
    """``network`` and ``train`` (DESIGN §3.1): a whole CNN from proven kernels."""
    model_help = (f"layers separated by spaces (default: '{DEFAULT_MODEL}'); see "
                  f"symconv.network.spec for the syntax")
    network = commands.add_parser("network", help="write a NumPy CNN whose every layer is "
                                  "proven, its derivation document and proof.json")
    network.add_argument("--model", default=None, help=model_help)
    network.add_argument("--input", default=DEFAULT_INPUT,
                         help=f"one example's shape, channels first: CxL, CxHxW or "
                              f"CxDxHxW (default {DEFAULT_INPUT})")
    network.add_argument("-o", "--output", required=True, help="the folder to write into")
    train = commands.add_parser("train", help="train a network of proven kernels with SGD")
    train.add_argument("--model", default=None, help=model_help)
    train.add_argument("--data", default="digits",
                       help="'digits' (scikit-learn's 8x8 digits) or a folder of MNIST IDX "
                            "files (default: digits)")
    train.add_argument("--epochs", type=ascii_integer, default=TRAINING["epochs"])
    train.add_argument("--batch-size", type=ascii_integer, default=TRAINING["batch_size"])
    train.add_argument("--seed", type=ascii_integer, default=TRAINING["seed"])
    train.add_argument("--lr", type=float, default=TRAINING["lr"],
                       help=f"initial learning rate, cosine decay (default {TRAINING['lr']})")
    train.add_argument("--momentum", type=float, default=TRAINING["momentum"])
    train.add_argument("-o", "--output", default="symconv-train",
                       help="the folder for params.npz, network.py and the figures "
                            "(default: symconv-train)")
    train.add_argument("--json", action="store_true",
                       help="print one JSON object: per-epoch history, final accuracies")


def main(argv: list[str] | None = None) -> int:
    try:
        options = build_parser().parse_args(argv)
        # imported only now: --help, --version and argument errors never load SymPy
        from symconv.commands import run
        return run(options)
    except (UsageError, SpecError) as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 2
    except CompileError as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:   # e.g. `symconv prove --json | head`: the reader has gone
        _silence_stdout()
        return 141
    except OSError as error:
        where = repr(error.filename) if error.filename is not None else "output"
        print(f"symconv: error: {where}: {error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:   # temporary files are already removed by write_atomically
        return _interrupted()
    except SystemError as error:   # Ctrl-C inside a C extension (e.g. SymPy's gmpy) can
        if _caused_by_interrupt(error):   # surface as "returned a result with an exception set"
            return _interrupted()
        raise


def _interrupted() -> int:
    print("symconv: interrupted", file=sys.stderr)
    return 130


def _caused_by_interrupt(error: BaseException) -> bool:
    """Whether a KeyboardInterrupt is in ``error``'s chain of causes and contexts."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the flush at exit does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):   # stdout without a file descriptor (a test's buffer)
        pass


def run() -> NoReturn:
    """The console script and ``python -m symconv``: :func:`main`, then exit with its code.

    After Ctrl-C (code 130, its one line already printed) the process leaves at once with
    ``os._exit``: CPython 3.11 remembers a KeyboardInterrupt raised inside nested evaluation
    even when the program handled it, and would otherwise end by re-raising SIGINT at
    shutdown (exit status -2 instead of 130).
    """
    code = main()
    try:
        sys.stdout.flush()   # here, not at shutdown, so that a closed pipe is caught
    except BrokenPipeError:
        _silence_stdout()
        code = 141
    if code == 130:
        sys.stderr.flush()
        os._exit(130)
    sys.exit(code)


if __name__ == "__main__":
    run()
