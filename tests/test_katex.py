"""Every formula of every Markdown document renders with KaTeX: formula by formula with
npm ``katex`` run by node, and the whole pages in headless Chromium
(:mod:`tests.katex_browser`), which fails on any ``.katex-error``, unpaired ``$``, figure
that does not load or JavaScript error.

The Markdown pages are meant to be read with KaTeX (or MathJax); a formula KaTeX cannot
parse shows as red source on the page. Locally the tests skip without node, katex or
chromium; in CI (CI=true) their absence is a failure, like pdflatex for the LaTeX tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.katex_browser import browser_verdicts

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
PAGES = sorted(str(path.relative_to(GENERATED)) for path in GENERATED.glob("*/*.md"))
"""Every Markdown page of the golden record: catalogue cases, networks (with each layer's
page) and the all-sizes proof."""
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


def require_chromium() -> str:
    """The headless browser; skip locally, fail in CI without it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("chromium is missing in CI: .ci/run should have installed it")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def katex_folder(env: dict) -> Path:
    """The npm package folder of katex (its ``dist/`` holds the browser build)."""
    for root in env.get("NODE_PATH", "").split(os.pathsep):
        folder = Path(root) / "katex"
        if (folder / "dist" / "contrib" / "auto-render.min.js").is_file():
            return folder
    pytest.fail("node finds katex but not its browser build (katex/dist/contrib)")


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


@pytest.mark.parametrize("page", PAGES)
def test_markdown_math_renders_with_katex(page):
    env = require_katex()
    assert katex_failures((GENERATED / page).read_text(), env) == []


@pytest.fixture(scope="module")
def browser():
    """Render with KaTeX in headless Chromium: ``{name: (Markdown, figure folder)}`` ->
    verdicts (one browser run for all the pages given)."""
    katex = katex_folder(require_katex())
    chromium = require_chromium()
    return lambda pages: browser_verdicts(chromium, katex, pages)


@pytest.fixture(scope="module")
def golden_verdicts(browser):
    return browser({page: ((GENERATED / page).read_text(), (GENERATED / page).parent)
                    for page in PAGES})


def test_the_browser_reports_every_kind_of_failure(browser, tmp_path):
    (tmp_path / "f.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" '
                                    'height="4"/>')
    verdicts = browser({
        "parse error": ("$$\nx^1^2\n$$\n", tmp_path),
        "unknown command": ("$$\n\\badmacro\n$$\n", tmp_path),
        "unpaired": ("a $x^{$ b\n", tmp_path),
        "missing figure": ("![f](missing.svg)\n", tmp_path),
        "fine": ("> $$\n> \\frac{1}{2}\n> $$\n\nand `$HOME` $x_1$ ![f](f.svg)\n", tmp_path),
    })
    assert verdicts.pop("(javascript)") == []
    assert verdicts.pop("fine") == {"formulas": 2, "errors": [], "plain_dollars": [],
                                    "broken_images": []}
    assert "Double superscript" in verdicts["parse error"]["errors"][0]
    assert "badmacro" in verdicts["unknown command"]["errors"][0]
    assert verdicts["unpaired"]["plain_dollars"]
    assert verdicts["missing figure"]["broken_images"]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_markdown_page_renders_in_a_browser_with_katex(page, golden_verdicts):
    verdict = golden_verdicts[page]
    assert golden_verdicts["(javascript)"] == []
    assert verdict["formulas"] > 10
    assert verdict["errors"] == [] and verdict["plain_dollars"] == []
    assert verdict["broken_images"] == []
