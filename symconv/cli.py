"""The ``symconv`` command line (DESIGN §3).

Exit codes: 0 success, 1 an identity failed (or ``regenerate --check`` found drift),
2 bad input — always one line on stderr, never a traceback. Every file is rendered in memory
first and then written atomically, so a failure leaves no partial output.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from symconv.catalogue import drift, expected_files
from symconv.compile import CompileError, compile_pdf, latex_tool
from symconv.errors import SpecError
from symconv.layers import layer_module
from symconv.options import add_layer_options, spec_from_options
from symconv.output import write_atomically
from symconv.pipeline import Derivation, run
from symconv.render import generate, latex_document, markdown_document, numpy_module, proof_json

DEFAULT_OUTPUT = Path("symconv-out")


class UsageError(Exception):
    """Raised instead of argparse's two-line usage message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symconv", description="Derive, prove and render the backward pass "
                     "of a CNN layer. With no command: the default example into ./symconv-out/.")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    prove = commands.add_parser("prove", help="derive and prove the backward identities")
    add_layer_options(prove)
    prove.add_argument("--json", action="store_true", help="print one JSON object")
    latex = commands.add_parser("latex", help="write the derivation document")
    add_layer_options(latex)
    latex.add_argument("-o", "--output", required=True, help="the .tex (or .md) file to write")
    latex.add_argument("--format", choices=("tex", "md"), default="tex")
    latex.add_argument("--pdf", action="store_true", help="also compile the PDF with pdflatex")
    codegen = commands.add_parser("codegen", help="write a tested NumPy forward/backward module")
    add_layer_options(codegen)
    codegen.add_argument("-o", "--output", required=True, help="the .py file to write")
    regenerate = commands.add_parser("regenerate", help="rewrite generated/ from the catalogue")
    regenerate.add_argument("--check", action="store_true",
                            help="write nothing; exit 1 listing stale, missing or extra files")
    regenerate.add_argument("--root", default="generated", help="the folder (default: generated)")
    return parser


def prove_report(derivation: Derivation) -> str:
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


def proven_or_report(options) -> Derivation | None:
    """Run the derivation; on a failed identity print the report to stderr and return None."""
    derivation = run(options.layer, spec_from_options(options))
    if derivation.proven:
        return derivation
    print(prove_report(derivation), file=sys.stderr)
    print("symconv: error: an identity failed; nothing was written", file=sys.stderr)
    return None


def command_prove(options) -> int:
    derivation = run(options.layer, spec_from_options(options))
    if options.json:
        print(json.dumps(derivation.report(), indent=2))
    else:
        print(prove_report(derivation))
    return 0 if derivation.proven else 1


def command_codegen(options) -> int:
    source, derivation = generate(options.layer, spec_from_options(options))
    if not derivation.proven:
        print(prove_report(derivation), file=sys.stderr)
        return 1
    path = write_atomically(options.output, source)
    print(f"wrote {path}: {layer_module(options.layer).SIGNATURE}")
    print(f"identities proven exactly on input "
          f"{tuple(derivation.spec.as_dict()['input_shape'])}")
    return 0


def command_latex(options) -> int:
    output = Path(options.output)
    if options.format == "md" and options.pdf:
        raise SpecError("--pdf", "applies to --format tex only")
    if options.pdf:
        latex_tool()  # refuse before any work when pdflatex is missing
    derivation = proven_or_report(options)
    if derivation is None:
        return 1
    if options.format == "md":
        files = markdown_document(derivation, output.stem)
        for name in sorted(files):
            print(f"wrote {write_atomically(output.with_name(name), files[name])}")
        return 0
    tex = latex_document(derivation)
    if options.pdf:
        pdf = compile_pdf(tex, output.with_suffix(".pdf"))
    print(f"wrote {write_atomically(output, tex)}")
    if options.pdf:
        print(f"wrote {pdf}")
    return 0


def command_regenerate(options) -> int:
    root = Path(options.root)
    expected = expected_files()
    if options.check:
        found = drift(root, expected)
        problems = [f"{kind}: {root / path}" for kind, paths in found.items() for path in paths]
        for line in problems:
            print(line)
        print(f"{root}: {len(expected)} files, "
              + ("up to date" if not problems else f"{len(problems)} differ"))
        return 1 if problems else 0
    for path in drift(root, expected)["extra"]:
        (root / path).unlink()
    for path, content in sorted(expected.items()):
        write_atomically(root / path, content)
    print(f"wrote {len(expected)} files under {root}/")
    return 0


def command_default(_options) -> int:
    """The main job: the default example (3x3 input, 2x2 kernel), every artifact."""
    options = build_parser().parse_args(["prove"])
    derivation = proven_or_report(options)
    if derivation is None:
        return 1
    print(prove_report(derivation))
    files = {"derivation.tex": latex_document(derivation), "conv.py": numpy_module(derivation),
             "proof.json": proof_json(derivation),
             **markdown_document(derivation, "derivation")}
    written = [write_atomically(DEFAULT_OUTPUT / name, content)
               for name, content in sorted(files.items())]
    if shutil.which("pdflatex"):
        written.append(compile_pdf(files["derivation.tex"], DEFAULT_OUTPUT / "derivation.pdf"))
    else:
        print("pdflatex not found: skipped derivation.pdf (the .tex compiles with pdflatex)")
    print("wrote " + ", ".join(str(path) for path in sorted(written)))
    return 0


COMMANDS = {"prove": command_prove, "codegen": command_codegen, "latex": command_latex,
            "regenerate": command_regenerate, None: command_default}


def main(argv: list[str] | None = None) -> int:
    try:
        options = build_parser().parse_args(argv)
        return COMMANDS[options.command](options)
    except (UsageError, SpecError) as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 2
    except CompileError as error:
        print(f"symconv: error: pdflatex failed: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"symconv: error: {error.filename or ''}: {error.strerror or error}",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
