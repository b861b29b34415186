"""The jinja2 environments: LaTeX (``\\VAR{}`` / ``\\BLOCK{}``) and plain text (Python, Markdown).

Both use ``StrictUndefined`` (a missing value is an error, not an empty string), trimmed
blocks and a kept trailing newline. Templates are named after the file they produce
(``derivation.tex.jinja``); partials start with ``_``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

PACKAGE_DIR = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """``symconv/templates`` when installed, ``templates/`` beside the package in a checkout."""
    for candidate in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("symconv templates are missing from the installation")


_COMMON = {"undefined": jinja2.StrictUndefined, "trim_blocks": True, "lstrip_blocks": True,
           "keep_trailing_newline": True, "autoescape": False}


@cache
def latex_environment() -> jinja2.Environment:
    """LaTeX templates: ``\\VAR{x}``, ``\\BLOCK{for ...}``, comments ``\\#{...}``."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}",
        comment_start_string=r"\#{", comment_end_string="}",
        line_statement_prefix=None, line_comment_prefix="%#",
        **_COMMON,
    )


@cache
def text_environment() -> jinja2.Environment:
    """Python and Markdown templates with jinja2's default delimiters."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir()), **_COMMON)


def render(template_name: str, **context) -> str:
    """Render ``template_name`` with the environment its extension calls for."""
    latex = template_name.endswith(".tex.jinja")
    environment = latex_environment() if latex else text_environment()
    return environment.get_template(template_name).render(**context)
