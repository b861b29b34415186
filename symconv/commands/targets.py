"""Where output goes (``-o`` checked against the output kind) and the layer options given."""

from __future__ import annotations

import argparse
from pathlib import Path

from symconv.engine.options import COUNTS, FLAGS, GEOMETRY
from symconv.errors import SpecError

STDOUT = "-"


SUFFIX_FORMATS = {".tex": "tex", ".md": "md"}


def layer_options(options: argparse.Namespace) -> dict:
    """The layer options the user gave, by name."""
    return {name: getattr(options, name) for name in (*GEOMETRY, *COUNTS, *FLAGS)
            if getattr(options, name, None) is not None}


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
