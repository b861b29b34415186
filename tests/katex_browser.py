"""The golden Markdown pages as one HTML page, rendered with KaTeX in headless Chromium.

Each page becomes a ``<section>``: its text as a Markdown viewer with KaTeX shows it (block
quotes unwrapped, fenced and inline code kept out of the math, figures as ``<img>`` of the
SVG files beside it). KaTeX's auto-render finds ``$$...$$`` and ``$...$`` in the text and
renders them with ``throwOnError: false``, so a formula KaTeX cannot parse shows as a red
``.katex-error`` element, exactly what a reader would see. Once the page has loaded, a script
writes a verdict per section into the DOM — the number of formulas, every ``.katex-error``,
every ``$`` left in plain text (math auto-render could not pair), every figure that did not
load — plus any JavaScript error; ``chromium --headless --dump-dom`` prints it.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote

_INLINE = re.compile(r"(`[^`]*`|!\[[^\]]*\]\([^)\s]*\))")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)\)")

SCRIPT = """
const ERROR_COLOUR = "#cc0001";   // KaTeX paints what it cannot render in this colour
window.jsErrors = [];
window.addEventListener("error", (e) => window.jsErrors.push(String(e.message)));
function plainDollars(section) {
  const found = [];
  const walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest("pre, code, .katex")) continue;
    if (node.data.includes("$")) found.push(node.data.trim().slice(0, 80));
  }
  return found;
}
window.addEventListener("load", () => {
  const verdicts = {};
  for (const section of document.querySelectorAll("section")) {
    const callbacks = [];
    try {
      renderMathInElement(section, {
        delimiters: [{left: "$$", right: "$$", display: true},
                     {left: "$", right: "$", display: false}],
        throwOnError: false, strict: "error", errorColor: ERROR_COLOUR,
        errorCallback: (message, error) => callbacks.push(message + " " + error)});
    } catch (error) {
      window.jsErrors.push(String(error));
    }
    verdicts[section.dataset.name] = {
      formulas: section.querySelectorAll(".katex").length,
      errors: [...section.querySelectorAll(".katex-error")].map(
        (e) => (e.getAttribute("title") || "") + " in " + e.textContent.slice(0, 80))
        .concat([...section.querySelectorAll(".katex-html [style]")]
          .filter((e) => e.style.color === "rgb(204, 0, 1)" && !e.closest(".katex-error")
                         && !e.parentElement.closest("[style]")?.style.color)
          .map((e) => "unknown command, painted red: " + e.textContent))
        .concat(callbacks),
      plain_dollars: plainDollars(section),
      broken_images: [...section.querySelectorAll("img")]
        .filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.getAttribute("src")),
    };
  }
  verdicts["(javascript)"] = window.jsErrors;
  document.getElementById("verdict").textContent = JSON.stringify(verdicts);
});
"""


def _inline(line: str, folder: Path) -> str:
    parts = []
    for piece in _INLINE.split(line):
        image = _IMAGE.fullmatch(piece)
        if image:
            source = (folder / unquote(image.group(2))).resolve().as_uri()
            parts.append(f'<img src="{html.escape(source)}" alt="{html.escape(image.group(1))}">')
        elif piece.startswith("`") and piece.endswith("`") and len(piece) > 1:
            parts.append(f"<code>{html.escape(piece[1:-1])}</code>")
        else:
            parts.append(html.escape(piece, quote=False))
    return "".join(parts)


def section(name: str, page: str, folder: Path) -> str:
    """One Markdown page as an HTML section (text kept as written, so the math is exactly
    what a Markdown viewer hands to KaTeX); figure paths relative to ``folder``."""
    lines, in_code = [], False
    for raw in page.splitlines():
        line = raw[2:] if raw.startswith("> ") else ("" if raw == ">" else raw)
        if line.startswith("```"):
            lines.append("</pre>" if in_code else "<pre>")
            in_code = not in_code
        elif in_code:
            lines.append(html.escape(line, quote=False))
        else:
            lines.append(_inline(line, folder))
    body = "\n".join(lines)
    return (f'<section data-name="{html.escape(name)}" style="white-space: pre-wrap">\n'
            f"{body}\n</section>")


def page_html(sections: list[str], katex: Path) -> str:
    dist = katex / "dist"
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
            f'<link rel="stylesheet" href="{(dist / "katex.min.css").as_uri()}">\n'
            f'<script src="{(dist / "katex.min.js").as_uri()}"></script>\n'
            f'<script src="{(dist / "contrib" / "auto-render.min.js").as_uri()}"></script>\n'
            f"<script>{SCRIPT}</script>\n</head><body>\n" + "\n".join(sections)
            + '\n<pre id="verdict">the verdict script did not run</pre>\n</body></html>\n')


def browser_verdicts(chromium: str, katex: Path, pages: dict[str, tuple[str, Path]]) -> dict:
    """``{page name: verdict}`` (and ``"(javascript)"``: JS errors) for ``{name: (Markdown,
    folder of its figures)}``, rendered in one headless Chromium run."""
    sections = [section(name, text, folder) for name, (text, folder) in pages.items()]
    with tempfile.TemporaryDirectory(prefix="symconv-katex-") as folder:
        path = Path(folder) / "pages.html"
        path.write_text(page_html(sections, katex), encoding="utf-8")
        dom = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", f"--user-data-dir={Path(folder) / 'profile'}",
             "--allow-file-access-from-files",
             "--dump-dom", path.as_uri()],
            capture_output=True, text=True, timeout=300, check=False).stdout
    found = re.search(r'<pre id="verdict">(.*?)</pre>', dom, re.S)
    if not found:
        raise AssertionError(f"chromium printed no page (stdout starts {dom[:200]!r})")
    text = html.unescape(found.group(1))
    if not text.startswith("{"):
        raise AssertionError(f"the page's script did not finish: {text}")
    return json.loads(text)
