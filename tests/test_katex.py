"""Every formula of every Markdown document renders with KaTeX (npm ``katex``, run by node).

The Markdown pages are meant to be read with KaTeX (or MathJax); a formula KaTeX cannot
parse shows as red source on the page. Locally the test skips without node or katex; in CI
(CI=true) their absence is a failure, like pdflatex for the LaTeX tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from symconv.catalogue import CASES, NETWORKS

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
SCRIPT = Path(__file__).with_name("katex_render.js")
_INLINE = re.compile(r"\$([^$\n]+)\$")
_CODE = re.compile(r"`[^`]*`")


def require_katex() -> dict:
    """The environment in which node finds katex; skip locally, fail in CI without it."""
    env = dict(os.environ)
    node = shutil.which("node")
    if node and shutil.which("npm"):
        root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True,
                              check=False).stdout.strip()
        env["NODE_PATH"] = os.pathsep.join(p for p in (root, env.get("NODE_PATH", "")) if p)
        found = subprocess.run([node, "-e", "require('katex')"], env=env, capture_output=True,
                               check=False)
        if found.returncode == 0:
            return env
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("node and the npm package katex are missing in CI: .ci/run should have "
                    "installed them")
    pytest.skip("node or the npm package katex is not installed (npm install -g katex)")


def formulas(page: str) -> list[dict]:
    """Display (``$$`` lines) and inline (``$...$``) math of a Markdown page, as a Markdown
    renderer with KaTeX finds it: fenced code is skipped, block quotes are unwrapped. Fails
    on an unbalanced ``$``."""
    found, display, in_code = [], None, False
    for number, raw in enumerate(page.splitlines(), 1):
        line = raw[2:] if raw.startswith("> ") else ("" if raw == ">" else raw)
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        if line.strip() == "$$":
            if display is None:
                display = []
            else:
                found.append({"tex": "\n".join(display), "display": True, "line": number})
                display = None
            continue
        if display is not None:
            display.append(line)
            continue
        text = _CODE.sub("", line)
        assert text.count("$") % 2 == 0, f"line {number}: unbalanced $ in {line!r}"
        found += [{"tex": m.group(1), "display": False, "line": number}
                  for m in _INLINE.finditer(text)]
    assert display is None, "a $$ display is not closed"
    return found


def katex_failures(page: str, env: dict) -> list[str]:
    items = formulas(page)
    process = subprocess.run(["node", str(SCRIPT)], input=json.dumps(items), env=env,
                             capture_output=True, text=True, check=True, timeout=120)
    return [f"line {items[f['index']]['line']}: {f['error']}"
            for f in json.loads(process.stdout)]


def test_formula_extraction():
    page = "a $x$ and `$not$`\n\n$$\ny = 1\n$$\n\n> $$\n> z\n> $$\n```\n$a\n```\n"
    assert [(f["tex"], f["display"]) for f in formulas(page)] == [
        ("x", False), ("y = 1", True), ("z", True)]


def test_katex_reports_an_error():
    env = require_katex()
    assert katex_failures("$$\n\\frac{1}{\n$$\n", env)


@pytest.mark.parametrize("case", sorted(CASES) + sorted(NETWORKS))
def test_markdown_math_renders_with_katex(case):
    env = require_katex()
    page = (GENERATED / case / "derivation.md").read_text()
    assert katex_failures(page, env) == []
