"""What the documents say: one naming rule, nothing left out silently, big layers summarised."""

from __future__ import annotations

import re
import time

import pytest

import symconv
from symconv.render.figures import MAX_SHOWN
from tests.test_documents import require_pdflatex


@pytest.fixture(scope="module")
def grouped():
    return symconv.derive("conv", input=(9, 9), kernel=3, stride=2, padding=1, dilation=2,
                          in_channels=4, out_channels=4, groups=2)


def test_superscripts_always_carry_both_leading_indices(grouped):
    page = grouped.markdown()
    superscripts = re.findall(r"[XWG]\^\{\(([^)]*)\)\}", page)
    assert superscripts and all(len(s.split(",")) == 2 for s in superscripts)
    single = symconv.derive("conv", input=(3, 3), kernel=2).markdown()
    assert "^{(" not in single.split("## Set-up")[1].split("## What was proven")[0]


def test_text_has_no_glued_words_or_plural_placeholders(grouped):
    for derivation in (grouped, symconv.derive("conv", input=(3, 3), kernel=2),
                       symconv.derive("maxpool", input=(4, 4), kernel=2)):
        page = derivation.markdown()
        assert "(s)" not in page
        assert not re.search(r"channel(and|s?and)\b", page)
        assert "p_{lo}" not in page and "p_{hi}" not in page


def test_left_out_entries_are_counted(grouped):
    page = grouped.markdown()
    assert "3 of the 16 entries of $O$ shown" in page
    assert re.search(r"\d of the 81 entries of \$\\partial L/\\partial X\$ shown; all 324 "
                     r"entries \(every image and channel\) proven", page)
    full = symconv.derive("conv", input=(6, 6), kernel=3, stride=2).markdown()
    assert full.count(r"\partial L/\partial X_{") >= 36
    assert "entries of $\\partial L/\\partial X$ shown" not in full


def test_teaching_sections_are_present():
    page = symconv.derive("conv", input=(5, 5), kernel=3, stride=2, padding=1).markdown()
    for needle in ("valid cross-correlation", "full correlation", "is\na cross-correlation",
                   "A worked example with numbers", "> **The three formulas.**", "## Exercises",
                   "**Answers.**", "warmup.svg", "spray-0-0.svg", "dw-first.svg", "gather.svg"):
        assert needle in page, needle


def test_a_large_layer_is_summarised():
    derivation = symconv.derive("conv", input=(40, 40), kernel=3)
    model_figures = [f for f in derivation.layer.document_context(derivation)["figures"]]
    assert all(f.rows <= MAX_SHOWN and f.cols <= MAX_SHOWN for f in model_figures)
    assert "summarised: 42" in derivation.latex() or "summarised: 40" in derivation.latex()


@pytest.mark.latex
def test_a_128x128_layer_compiles(tmp_path):
    require_pdflatex()
    from symconv.cli import main
    start = time.perf_counter()
    assert main(["latex", "--pdf", "--input", "128x128", "--kernel", "3",
                 "-o", str(tmp_path / "big.tex")]) == 0
    assert (tmp_path / "big.pdf").read_bytes().startswith(b"%PDF")
    print(f"128x128: {time.perf_counter() - start:.1f} s")


@pytest.mark.parametrize("layer, options, indicator", [
    ("maxpool", {"input": (4, 4), "kernel": 2, "batch": 2}, r"= \max O^{(0,0)}_{0,0}]"),
    ("relu", {"input": (2, 3), "batch": 2}, r"[X^{(0,0)}_{0,1} > 0]"),
])
def test_indicators_follow_the_naming_rule(layer, options, indicator):
    """With a batch, every name — entries, the region indicators ([X_w = max O_i],
    [X_u > 0]) and SymPy's derivative — carries both the image and the channel index."""
    page = symconv.derive(layer, **options).markdown()
    superscripts = re.findall(r"[XGO]\^\{\(([^)]*)\)\}", page)
    assert indicator in page
    assert superscripts and all(len(s.split(",")) == 2 for s in superscripts)
