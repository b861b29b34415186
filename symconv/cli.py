"""The ``symconv`` command line (DESIGN §3), a thin layer on :mod:`symconv.api`.

Exit codes: 0 success, 1 an identity failed (or ``regenerate --check`` found drift),
2 bad input — always one line on stderr, never a traceback. Every file is rendered in memory
first and then written atomically, so a failure leaves no partial output.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import shutil
import sys
from pathlib import Path

from symconv import __version__
from symconv.api import (
    Derivation,
    all_sizes_latex,
    all_sizes_markdown,
    derive,
    layer_and_spec,
    prove_all_sizes,
)
from symconv.catalogue import ALL_SIZES, CASES, MARKER, drift, expected_files
from symconv.engine import pipeline
from symconv.errors import SpecError
from symconv.layers import LAYERS
from symconv.network import run as network_run
from symconv.network.build import NetworkNotProven
from symconv.network.check import ChainError
from symconv.network.data import MissingExtra
from symconv.network.spec import DEFAULT_INPUT, DEFAULT_MODEL
from symconv.network.train import Settings
from symconv.output import check_target, write_all_atomically, write_atomically
from symconv.render import artifacts
from symconv.render.compile import CompileError, latex_tool, pdf_bytes
from symconv.testing.verify import ModuleCheckError

DEFAULT_OUTPUT = Path("symconv-out")

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


class UsageError(Exception):
    """Raised instead of argparse's two-line usage message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def add_layer_options(parser: argparse.ArgumentParser) -> None:
    """The OPTIONS shared by ``prove``, ``latex`` and ``codegen`` (DESIGN §3)."""
    parser.add_argument("--layer", default="conv",
                        help=f"one of {', '.join(LAYERS)} (default: conv)")
    for title, options in OPTION_GROUPS:
        group = parser.add_argument_group(title)
        for name, text in options:
            group.add_argument("--" + name.replace("_", "-"), dest=name, default=None,
                               help=text)
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
    group.add_argument("--rank", type=int, choices=(1, 2, 3), default=None,
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
                         help=f"CxHxW of one example (default {DEFAULT_INPUT})")
    network.add_argument("-o", "--output", required=True, help="the folder to write into")
    train = commands.add_parser("train", help="train a network of proven kernels with SGD")
    train.add_argument("--model", default=None, help=model_help)
    train.add_argument("--data", default="digits",
                       help="'digits' (scikit-learn's 8x8 digits) or a folder of MNIST IDX "
                            "files (default: digits)")
    train.add_argument("--epochs", type=int, default=Settings.epochs)
    train.add_argument("--batch-size", type=int, default=Settings.batch_size)
    train.add_argument("--seed", type=int, default=Settings.seed)
    train.add_argument("--lr", type=float, default=Settings.lr,
                       help=f"initial learning rate, cosine decay (default {Settings.lr})")
    train.add_argument("--momentum", type=float, default=Settings.momentum)
    train.add_argument("-o", "--output", default="symconv-train",
                       help="the folder for params.npz, network.py and the figures "
                            "(default: symconv-train)")
    train.add_argument("--json", action="store_true",
                       help="print one JSON object: per-epoch history, final accuracies")


def layer_options(options: argparse.Namespace) -> dict:
    """The layer options the user gave, by name."""
    names = [name for _, group in OPTION_GROUPS for name, _ in group] + ["count_include_pad"]
    return {name: getattr(options, name) for name in names if getattr(options, name) is not None}


def derivation_for(options: argparse.Namespace) -> Derivation:
    return Derivation.of(pipeline.run(*layer_and_spec(options.layer, layer_options(options))))


def prove_report(derivation: pipeline.Derivation) -> str:
    """The human-readable proof report: one line per identity, then a verdict."""
    lines = [derivation.spec.summary()]
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
    failed = sum(not r.proven for r in derivation.results)
    noun = "identity" if count == 1 else "identities"
    verdict = (f"all {count} {noun} proven" if not failed and count > 1
               else f"the {noun} proven" if not failed else f"{failed} of {count} {noun} FAILED")
    methods = sorted({r.method for r in derivation.results})
    lines.append(f"{verdict} in {total:.3f} s ({derivation.terms:,} forward terms; "
                 f"method: {'; '.join(methods)})")
    return "\n".join(lines)


def refuse_unproven(derivation: pipeline.Derivation) -> int:
    print(prove_report(derivation), file=sys.stderr)
    print("symconv: error: an identity failed; nothing was written", file=sys.stderr)
    return 1


def command_prove(options) -> int:
    if options.all_sizes or options.rank is not None:
        return command_prove_all_sizes(options)
    derivation = derivation_for(options)
    if options.json:
        print(json.dumps(derivation.report(), indent=2))
    else:
        print(prove_report(derivation))
    return 0 if derivation.proven else 1


STDOUT = "-"
SUFFIX_FORMATS = {".tex": "tex", ".md": "md"}


def latex_format(options) -> str:
    """The output kind of ``latex``: ``--format``, else the suffix of ``-o``; a contradiction
    between the two (or with ``--pdf``) is refused before any work."""
    output, chosen = options.output, options.format
    if output == STDOUT:
        if options.pdf or chosen == "md":
            what = "--pdf" if options.pdf else "--format md"
            raise SpecError("-o", f"'-' (standard output) takes a single file, and {what} "
                                  f"writes several; give a file name")
        return "tex"
    suffix = Path(output).suffix.lower()
    if options.pdf and suffix == ".pdf":
        raise SpecError("-o", f"{output} is the PDF; with --pdf, -o names the .tex file and "
                              f"the PDF is written beside it")
    inferred = SUFFIX_FORMATS.get(suffix)
    if chosen is None:
        if inferred is None:
            raise SpecError("-o", f"{output}: cannot tell the format from the suffix "
                                  f"{suffix or '(none)'}; use .tex or .md, or give --format")
        chosen = inferred
    if inferred != chosen:
        raise SpecError("-o", f"{output} does not end in .{chosen}, which --format {chosen} "
                              f"writes")
    return chosen


def codegen_target(options) -> str:
    """The ``-o`` of ``codegen``: ``-`` or a ``.py`` file."""
    output = options.output
    if output != STDOUT and Path(output).suffix.lower() != ".py":
        raise SpecError("-o", f"{output} does not end in .py; codegen writes a Python module")
    return output


def command_codegen(options) -> int:
    if options.output != STDOUT:
        check_target(options.output)   # refuse before any work
    output = codegen_target(options)
    layer, spec = layer_and_spec(options.layer, layer_options(options))
    try:
        source, derivation = artifacts.generate(layer, spec)
    except ModuleCheckError as error:   # the module differs from the derivation
        print(f"symconv: error: {error}", file=sys.stderr)
        return 1
    if source is None:
        return refuse_unproven(derivation)
    if output == STDOUT:
        sys.stdout.write(source)
        sys.stdout.flush()
        return 0
    path = write_atomically(output, source)
    print(f"wrote {path}: {layer.signature}")
    print(f"identities proven exactly on input {tuple(derivation.spec.as_dict()['input_shape'])}")
    return 0


def command_latex(options) -> int:
    if options.all_sizes or options.rank is not None:
        return command_latex_all_sizes(options)
    if options.format == "md" and options.pdf:
        raise SpecError("--pdf", "applies to --format tex only")
    if options.output != STDOUT:
        check_target(options.output)   # refuse before any work
    options.format = latex_format(options)
    if options.format == "md" and options.pdf:
        raise SpecError("--pdf", "applies to --format tex only")
    output = Path(options.output)
    if options.output != STDOUT and options.pdf:
        check_target(output.with_suffix(".pdf"))
    if options.pdf:
        latex_tool()  # refuse before any work when pdflatex is missing
    derivation = derivation_for(options)
    if not derivation.proven:
        return refuse_unproven(derivation)
    if options.format == "md":
        files = derivation.markdown_files(output.stem)
        targets = {output.with_name(name): files[name] for name in sorted(files)}
        for path in write_all_atomically(targets):
            print(f"wrote {path}")
        return 0
    tex = derivation.latex()
    if options.output == STDOUT:
        sys.stdout.write(tex)
        sys.stdout.flush()
        return 0
    if options.pdf:   # the .tex and the .pdf: both new, or neither changed
        targets = {output: tex, output.with_suffix(".pdf"): pdf_bytes(tex)}
        for path in write_all_atomically(targets):
            print(f"wrote {path}")
        return 0
    print(f"wrote {write_atomically(output, tex)}")
    return 0


def all_sizes_rank(options) -> int:
    """The rank of ``--all-sizes``; instance options (or ``--rank`` alone) are refused."""
    if not options.all_sizes:
        raise SpecError("--rank", "applies to --all-sizes only")
    given = [f"--{name.replace('_', '-')}" for name in layer_options(options)]
    if options.layer != "conv":
        given.insert(0, f"--layer {options.layer}")
    if given:
        raise SpecError("--all-sizes", f"proves the convolution for every size at once and "
                                       f"takes no instance options; drop {', '.join(given)}")
    return options.rank or 2


def command_prove_all_sizes(options) -> int:
    """``prove --all-sizes``: the report; on failure the failing obligation, the smallest
    counterexample layer and the instance prover's verdict on it."""
    result = prove_all_sizes(all_sizes_rank(options))
    confirmed = None
    if not result.proven and result.counterexample:
        instance = derive("conv", **{key.replace("-", "_"): value
                                     for key, value in result.counterexample.items()})
        confirmed = {"options": result.counterexample, "proven": instance.proven,
                     "failed": [r.name for r in instance.results if not r.proven]}
    if options.json:
        print(json.dumps({**result.report(), "instance_check": confirmed}, indent=2))
    else:
        print(result.text())
        if confirmed is not None:
            verdict = ("not proven: " + ", ".join(confirmed["failed"]) + " failed"
                       if not confirmed["proven"] else "proven (the failure is not confirmed)")
            print(f"  instance prover on that layer: {verdict}")
    return 0 if result.proven else 1


def command_latex_all_sizes(options) -> int:
    """``latex --all-sizes``: the proof as a document (.tex, optionally the PDF, or .md)."""
    rank = all_sizes_rank(options)
    if options.output != STDOUT:
        check_target(options.output)   # refuse before any work
    kind = latex_format(options)
    if kind == "md" and options.pdf:
        raise SpecError("--pdf", "applies to --format tex only")
    output = Path(options.output)
    if options.output != STDOUT and options.pdf:
        check_target(output.with_suffix(".pdf"))
    if options.pdf:
        latex_tool()
    result = prove_all_sizes(rank)
    if not result.proven:
        print(result.text(), file=sys.stderr)
        print("symconv: error: the all-sizes proof failed; nothing was written",
              file=sys.stderr)
        return 1
    text = all_sizes_markdown(result, output.stem) if kind == "md" else all_sizes_latex(result)
    if options.output == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    files = {output: text}
    if options.pdf:
        files[output.with_suffix(".pdf")] = pdf_bytes(text)
    for path in write_all_atomically(files):
        print(f"wrote {path}")
    return 0


OWNED_NAMES = ("derivation.tex", "derivation.md", "derivation-*.svg", "proof.json",
               *(f"{layer.module_name}.py" for layer in LAYERS.values()))


def owned(path: str) -> bool:
    """A file ``regenerate`` may replace or remove: the index, an artifact name inside a
    catalogue case folder, or the staging folder of a run that was killed."""
    parts = path.split("/")
    if fnmatch.fnmatchcase(parts[0], ".symconv-*.tmp"):
        return True
    if parts == [MARKER]:
        return True
    return (len(parts) == 2 and (parts[0] in CASES or parts[0] in ALL_SIZES)
            and any(fnmatch.fnmatchcase(parts[1], name) for name in OWNED_NAMES))


def command_regenerate(options) -> int:
    root = Path(options.root)
    if root.exists() and not root.is_dir():
        raise SpecError("--root", f"{root} is not a folder")
    if root.is_dir() and any(root.iterdir()) and not (root / MARKER).is_file():
        raise SpecError("--root", f"{root} is not empty and has no {MARKER}: not a golden "
                                  f"record, refusing to write into it")
    expected = expected_files()
    found = drift(root, expected)
    foreign = [path for path in found["extra"] if not owned(path)]
    if options.check:
        problems = [f"{kind}: {root / path}" for kind, paths in found.items() for path in paths]
        for line in problems:
            print(line)
        print(f"{root}: {len(expected)} files, "
              + ("up to date" if not problems else f"{len(problems)} differ"))
        return 1 if problems else 0
    root.mkdir(parents=True, exist_ok=True)
    # all files or none: staged in root, renamed into place under a lock on root
    write_all_atomically({root / path: content for path, content in sorted(expected.items())},
                         option="--root")
    for path in found["extra"]:
        if owned(path):
            (root / path).unlink()
    for staging in root.glob(".symconv-*.tmp"):   # left by a run that was killed
        shutil.rmtree(staging, ignore_errors=True)
    for path in foreign:
        print(f"left alone (not written by symconv): {root / path}")
    print(f"wrote {len(expected)} files under {root}/")
    return 0


def command_default(_options) -> int:
    """The main job: the default example (3x3 input, 2x2 kernel), every artifact."""
    derivation = derivation_for(build_parser().parse_args(["prove"]))
    if not derivation.proven:
        return refuse_unproven(derivation)
    print(prove_report(derivation))
    files = {"derivation.tex": derivation.latex(), "conv.py": derivation.module_source(),
             "proof.json": artifacts.proof_json(derivation),
             **derivation.markdown_files("derivation")}
    if shutil.which("pdflatex"):
        files["derivation.pdf"] = pdf_bytes(files["derivation.tex"])
    else:
        print("pdflatex not found: skipped derivation.pdf (the .tex compiles with pdflatex)")
    written = write_all_atomically({DEFAULT_OUTPUT / name: content
                                    for name, content in sorted(files.items())}, option="output")
    print("wrote " + ", ".join(str(path) for path in sorted(written)))
    return 0


def command_check(options) -> int:
    from symconv.testing.command import run_check
    return run_check(options.target, options.layer, layer_options(options), options.sweep,
                     options.json)


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


COMMANDS = {"check": command_check, "prove": command_prove, "codegen": command_codegen,
            "latex": command_latex, "regenerate": command_regenerate,
            "network": command_network, "train": command_train, None: command_default}


def main(argv: list[str] | None = None) -> int:
    try:
        options = build_parser().parse_args(argv)
        return COMMANDS[options.command](options)
    except (UsageError, SpecError) as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 2
    except CompileError as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"symconv: error: {error.filename or ''}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:   # temporary files are already removed by write_atomically
        print("symconv: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
