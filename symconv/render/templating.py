"""The jinja2 environments: LaTeX (``\\VAR{}`` / ``\\BLOCK{}``) and plain text (Python, Markdown).

Both use ``StrictUndefined`` (a missing value is an error, not an empty string), trimmed
blocks and a kept trailing newline. Templates are named after the file they produce
(``derivation.tex.jinja``); partials start with ``_``. A layer's own templates (its
``derivation.md.jinja`` and module template) live in its folder, which is searched first;
the shared ones in ``templates/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def templates_dir() -> Path:
    """``symconv/templates`` when installed, ``templates/`` beside the package in a checkout."""
    for candidate in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("symconv templates are missing from the installation")


_COMMON = {"undefined": jinja2.StrictUndefined, "trim_blocks": True, "lstrip_blocks": True,
           "keep_trailing_newline": True, "autoescape": False}


def _loader(folder: Path | None) -> jinja2.BaseLoader:
    paths = [str(folder)] if folder else []
    return jinja2.FileSystemLoader([*paths, str(templates_dir())])


@cache
def latex_environment() -> jinja2.Environment:
    """LaTeX templates: ``\\VAR{x}``, ``\\BLOCK{for ...}``, comments ``\\#{...}``."""
    return jinja2.Environment(
        loader=_loader(None),
        block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}",
        comment_start_string=r"\#{", comment_end_string="}",
        line_statement_prefix=None, line_comment_prefix="%#",
        **_COMMON,
    )


@cache
def text_environment(folder: Path | None = None) -> jinja2.Environment:
    """Python and Markdown templates with jinja2's default delimiters."""
    return jinja2.Environment(loader=_loader(folder), **_COMMON)


def render(template_name: str, folder: Path | None = None, **context) -> str:
    """Render ``template_name`` (from ``folder``, then ``templates/``) with the environment
    its extension calls for."""
    if template_name.endswith(".tex.jinja"):
        return latex_environment().get_template(template_name).render(**context)
    return text_environment(folder).get_template(template_name).render(**context)
