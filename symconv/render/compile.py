"""Compiling a LaTeX document to PDF with pdflatex (via latexmk when present).

The source is compiled in a private temporary folder under a fixed job name, so the user's
output path — spaces, ``%``, ``#`` and all — never reaches TeX. ``SOURCE_DATE_EPOCH`` pins
the dates pdfTeX would otherwise stamp into the file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from symconv.errors import SpecError
from symconv.output import write_atomically

TIMEOUT_SECONDS = 180


class CompileError(RuntimeError):
    """pdflatex ran but failed; the message holds the first error line of its log."""


def latex_tool() -> list[str]:
    """The command that turns ``derivation.tex`` into ``derivation.pdf``."""
    if shutil.which("latexmk") and shutil.which("pdflatex"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet"]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
    raise SpecError("--pdf", "pdflatex was not found on PATH (Debian: apt-get install "
                             "texlive-latex-base texlive-latex-recommended texlive-pictures)")


_CROSS_REFERENCES = re.compile(r"\\(ref|pageref|eqref|tableofcontents|listoffigures|cite)\b")


def passes_needed(tex: str) -> int:
    """One pdflatex pass unless the source refers to something a later pass resolves.

    >>> passes_needed(r"\\section{A}\\label{a} text"), passes_needed(r"see \\ref{a}")
    (1, 2)
    """
    return 2 if _CROSS_REFERENCES.search(tex) else 1


def compile_pdf(tex: str, pdf_path: Path | str) -> Path:
    """Compile ``tex`` and write the PDF atomically to ``pdf_path``: one pdflatex pass when
    nothing needs resolving (the derivation documents), else latexmk or two passes."""
    command = latex_tool()
    if passes_needed(tex) == 1 and shutil.which("pdflatex"):
        command = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
    env = dict(os.environ, SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
    with tempfile.TemporaryDirectory(prefix="symconv-latex-") as folder:
        source = Path(folder) / "derivation.tex"
        source.write_text(tex)
        runs = 1 if command[0] == "latexmk" else passes_needed(tex)
        for _ in range(runs):
            process = subprocess.run([*command, source.name], cwd=folder, env=env,
                                     capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                                     stdin=subprocess.DEVNULL, check=False)
            if process.returncode != 0:
                log = (Path(folder) / "derivation.log")
                text = log.read_text(errors="replace") if log.exists() else process.stdout
                errors = [line for line in text.splitlines() if line.startswith("!")]
                raise CompileError(errors[0] if errors else "pdflatex failed")
        return write_atomically(pdf_path, (Path(folder) / "derivation.pdf").read_bytes())
