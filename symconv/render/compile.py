"""Compiling a LaTeX document to PDF with pdflatex (via latexmk when present).

The source is compiled in a private temporary folder under a fixed job name, so the user's
output path — spaces, ``%``, ``#`` and all — never reaches TeX. ``SOURCE_DATE_EPOCH`` pins
the dates pdfTeX would otherwise stamp into the file.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from symconv.errors import SpecError
from symconv.output import write_atomically

TIMEOUT_SECONDS = 180


class CompileError(RuntimeError):
    """pdflatex ran but failed (the message holds the first error line of its log) or ran
    past :data:`TIMEOUT_SECONDS`."""


def kill_group(process: subprocess.Popen) -> None:
    """Kill ``process`` and everything it started (latexmk's pdflatex included)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def run_tool(arguments: list[str], folder: str, env: dict) -> tuple[int, str]:
    """Run one TeX command in its own process group; on a timeout or any interruption the
    whole group is killed, so no ``latexmk``/``pdflatex`` is left running."""
    process = subprocess.Popen(arguments, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace", start_new_session=True)
    try:
        output, _ = process.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        kill_group(process)
        raise CompileError(f"pdflatex ran past {TIMEOUT_SECONDS} s") from None
    except BaseException:
        kill_group(process)
        raise
    return process.returncode, output


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
    """Compile ``tex`` and write the PDF atomically to ``pdf_path``."""
    return write_atomically(pdf_path, pdf_bytes(tex))


def pdf_bytes(tex: str) -> bytes:
    """Compile ``tex`` in a private temporary folder; the PDF's bytes. One pdflatex pass when
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
            returncode, output = run_tool([*command, source.name], folder, env)
            if returncode != 0:
                log = (Path(folder) / "derivation.log")
                text = log.read_text(errors="replace") if log.exists() else output
                errors = [line for line in text.splitlines() if line.startswith("!")]
                raise CompileError(f"pdflatex failed: {errors[0] if errors else 'no log'}")
        return (Path(folder) / "derivation.pdf").read_bytes()
