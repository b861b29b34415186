"""``prove --all-sizes`` and ``latex --all-sizes``: the convolution for every size at once."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from symconv.all_sizes import all_sizes_latex, all_sizes_markdown, prove_all_sizes
from symconv.commands.targets import (
    STDOUT,
    latex_format,
    layer_options,
)
from symconv.errors import SpecError
from symconv.output import check_target, shown, write_all_atomically
from symconv.render.compile import latex_tool, pdf_bytes


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
        # the layers are loaded only on this path: a proven theorem never needs them
        from symconv.api import derive
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
        print(f"wrote {shown(str(path))}")
    return 0
