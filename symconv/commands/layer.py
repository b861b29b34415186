"""``prove``, ``latex``, ``codegen`` and the default example: one layer instance, every artifact."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from symconv.api import (
    Derivation,
    layer_and_spec,
)
from symconv.commands.targets import (
    STDOUT,
    codegen_target,
    latex_format,
    layer_options,
)
from symconv.engine import pipeline
from symconv.errors import SpecError
from symconv.output import check_target, shown, write_all_atomically, write_atomically
from symconv.render import artifacts
from symconv.render.compile import latex_tool, pdf_bytes
from symconv.testing.verify import ModuleCheckError

DEFAULT_OUTPUT = Path("symconv-out")


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
    terms = "forward term" if derivation.terms == 1 else "forward terms"
    lines.append(f"{verdict} in {total:.3f} s ({derivation.terms:,} {terms}; "
                 f"method: {'; '.join(methods)})")
    return "\n".join(lines)


def refuse_unproven(derivation: pipeline.Derivation) -> int:
    print(prove_report(derivation), file=sys.stderr)
    print("symconv: error: an identity failed; nothing was written", file=sys.stderr)
    return 1


def command_prove(options) -> int:
    derivation = derivation_for(options)
    if options.json:
        print(json.dumps(derivation.report(), indent=2))
    else:
        print(prove_report(derivation))
    return 0 if derivation.proven else 1


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
    print(f"wrote {shown(str(path))}: {layer.signature}")
    print(f"identities proven exactly on input {tuple(derivation.spec.as_dict()['input_shape'])}")
    return 0


def command_latex(options) -> int:
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
            print(f"wrote {shown(str(path))}")
        return 0
    tex = derivation.latex()
    if options.output == STDOUT:
        sys.stdout.write(tex)
        sys.stdout.flush()
        return 0
    if options.pdf:   # the .tex and the .pdf: both new, or neither changed
        targets = {output: tex, output.with_suffix(".pdf"): pdf_bytes(tex)}
        for path in write_all_atomically(targets):
            print(f"wrote {shown(str(path))}")
        return 0
    print(f"wrote {shown(str(write_atomically(output, tex)))}")
    return 0


def command_default(_options) -> int:
    """The main job: the default example (3x3 input, 2x2 kernel), every artifact."""
    derivation = Derivation.of(pipeline.run(*layer_and_spec("conv", {})))
    if not derivation.proven:
        return refuse_unproven(derivation)
    print(prove_report(derivation))
    files = {"derivation.tex": derivation.latex(), "conv.py": derivation.module_source(),
             "proof.json": artifacts.proof_json(derivation),
             **derivation.markdown_files("derivation")}
    if shutil.which("pdflatex"):
        files["derivation.pdf"] = pdf_bytes(files["derivation.tex"])
    elif (DEFAULT_OUTPUT / "derivation.pdf").is_file():
        # an earlier run's PDF would no longer match the new derivation.tex: removed with
        # the same all-or-nothing write
        files["derivation.pdf"] = None
        print("pdflatex not found: removed the earlier derivation.pdf, which the new .tex "
              "replaces (the .tex compiles with pdflatex)")
    else:
        print("pdflatex not found: skipped derivation.pdf (the .tex compiles with pdflatex)")
    written = write_all_atomically({DEFAULT_OUTPUT / name: content
                                    for name, content in sorted(files.items())},
                                   option="the default output folder")
    print("wrote " + ", ".join(str(path) for path in sorted(written)
                               if files[path.name] is not None))
    return 0
