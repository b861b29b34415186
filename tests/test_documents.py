"""Derivation documents, the golden record in generated/, and the default example."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from symconv.catalogue import CASES, drift, expected_files, from_arguments
from symconv.cli import main
from symconv.engine.pipeline import run
from symconv.render.artifacts import latex as latex_document
from symconv.render.artifacts import markdown as markdown_document
from tests import loop_reference

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"


def require_pdflatex():
    """Skip locally without pdflatex; in CI (CI=true) its absence is a failure."""
    if shutil.which("pdflatex"):
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("pdflatex is missing in CI: .ci/run should have installed TeX Live")
    pytest.skip("pdflatex not installed")


@pytest.fixture(scope="module")
def expected():
    return expected_files()


def test_golden_record_is_current(expected):
    assert drift(GENERATED, expected) == {"stale": [], "missing": [], "extra": []}


def test_regenerate_check_lists_drift_and_writes_nothing(tmp_path, capsys):
    root = tmp_path / "generated"
    shutil.copytree(GENERATED, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "classic-3x3-k2" / "conv.py").write_text("# edited\n")
    (root / "1d-7-k3-s2-p1" / "proof.json").unlink()
    (root / "stray.txt").write_text("not from the catalogue\n")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert main(["regenerate", "--check", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "stale: " in out and "classic-3x3-k2/conv.py" in out
    assert "missing: " in out and "1d-7-k3-s2-p1/proof.json" in out
    assert "extra: " in out and "stray.txt" in out
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    assert main(["regenerate", "--root", str(root)]) == 0
    assert "left alone (not written by symconv)" in capsys.readouterr().out
    assert (root / "stray.txt").read_text() == "not from the catalogue\n"   # never deleted
    (root / "stray.txt").unlink()
    assert main(["regenerate", "--check", "--root", str(root)]) == 0


def test_regenerate_check_without_the_folder_says_so(tmp_path, capsys):
    """Outside the repository there is no generated/: one line, not a list of every file."""
    root = tmp_path / "generated"
    assert main(["regenerate", "--check", "--root", str(root)]) == 1
    assert capsys.readouterr().out == (f"{root}: no such folder (`symconv regenerate --root "
                                       f"{root}` writes it)\n")
    assert not root.exists()


def test_regenerate_removes_only_its_own_files(tmp_path, capsys):
    root = tmp_path / "generated"
    shutil.copytree(GENERATED, root, ignore=shutil.ignore_patterns("__pycache__"))
    mine = root / "5x5-k3-s2-p1" / "derivation-old-figure.svg"   # an artifact name: ours
    mine.write_text("<svg/>")
    theirs = [root / "user_code.py", root / "sub" / "important.dat",
              root / "5x5-k3-s2-p1" / "notes.txt"]
    for path in theirs:
        path.parent.mkdir(exist_ok=True)
        path.write_text("keep me")
    assert main(["regenerate", "--root", str(root)]) == 0
    assert not mine.exists()
    assert all(path.read_text() == "keep me" for path in theirs)


def test_regenerate_refuses_a_folder_that_is_not_a_golden_record(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print()")
    assert main(["regenerate", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--root" in err and "not a golden record" in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["main.py", "notes.txt", "src"]


def golden_module(case):
    layer, spec = from_arguments(CASES[case])
    path = GENERATED / case / f"{layer.module_name}.py"
    loader = importlib.util.spec_from_file_location(f"golden_{case.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return layer.name, spec, module


@pytest.mark.parametrize("case", sorted(c for c in CASES if "--layer" not in CASES[c]))
def test_golden_conv_module_matches_the_loops(case):
    _, spec, module = golden_module(case)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(spec.input_shape)
    w = rng.standard_normal(spec.weight_shape)
    dy = rng.standard_normal(module.forward(x, w).shape)
    geometry = (spec.window.stride, spec.window.padding, spec.window.dilation, spec.groups)
    for got, want in zip(module.backward(dy, x, w),
                         loop_reference.conv_backward(dy, x, w, *geometry)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", sorted(c for c in CASES if "--layer" in CASES[c]))
def test_golden_layer_module_runs_and_passes_the_dot_test(case):
    """<forward'(x) dx, g> = <dx, backward(g)>: a directional derivative check."""
    layer, spec, module = golden_module(case)
    rng = np.random.default_rng(0)
    if layer == "softmax-ce":
        z = rng.standard_normal((2, spec.classes))
        y = rng.integers(0, spec.classes, 2)
        direction = rng.standard_normal(z.shape)
        h = 1e-6
        numeric = (module.forward(z + h * direction, y)
                   - module.forward(z - h * direction, y)) / (2 * h)
        assert np.isclose(numeric, np.vdot(module.backward(z, y), direction), rtol=1e-6)
        return
    if layer == "linear":
        x = rng.standard_normal((2, spec.in_features))
        w = rng.standard_normal((spec.out_features, spec.in_features))
        g = rng.standard_normal((2, spec.out_features))
        dx, dw, _ = module.backward(g, x, w)
        assert np.isclose(np.vdot(module.forward(x, w), g), np.vdot(x, dx))
        assert np.isclose(np.vdot(module.forward(x, w), g), np.vdot(w, dw))
        return
    x = rng.permutation(np.prod(spec.input_shape)).reshape(spec.input_shape) - 5.5
    g = rng.standard_normal(module.forward(x).shape)
    direction = rng.standard_normal(x.shape) * 1e-3   # small: no arg-max or sign changes
    change = np.vdot(module.forward(x + direction) - module.forward(x), g)
    assert np.isclose(change, np.vdot(module.backward(g, x), direction), rtol=1e-9)


@pytest.mark.latex
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_tex_compiles(case, tmp_path):
    require_pdflatex()
    shutil.copy(GENERATED / case / "derivation.tex", tmp_path)
    process = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                              "derivation.tex"], cwd=tmp_path, capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=180, check=False)
    assert process.returncode == 0, process.stdout[-2000:]
    log = (tmp_path / "derivation.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log, "something runs off the page"


@pytest.mark.latex
def test_latex_command_with_awkward_output_name(tmp_path, capsys):
    require_pdflatex()
    target = tmp_path / "my notes_100%&#$" / "conv {v2}.tex"
    assert main(["latex", "--input", "5x5", "--kernel", "3", "--stride", "2", "--padding", "1",
                 "-o", str(target), "--pdf"]) == 0
    assert target.read_text().startswith("\\documentclass")
    pdf = target.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert str(pdf) in capsys.readouterr().out


def test_latex_document_is_deterministic_and_escapes_statements():
    derivation = run(*from_arguments("--input 6x6 --kernel 3 --stride 2"))
    tex = latex_document(derivation)
    assert tex == latex_document(run(*from_arguments(
        "--input 6x6 --kernel 3 --stride 2")))
    assert r"\operatorname{rot180}(W)[j]" in tex   # the proven identities, in math
    assert "output\\_\\allowbreak{}padding" in tex   # the leftover section is present (r > 0)
    for section in ("Warm-up", "The forward pass", "The chain rule", "valid cross-correlation",
                    "full convolution", "spray and gather", "zeros are inserted",
                    "What was proven"):
        assert section in tex, section


def test_markdown_has_math_and_svg_figures(tmp_path):
    assert main(["latex", "--input", "7", "--kernel", "3", "--stride", "2", "--format", "md",
                 "-o", str(tmp_path / "page.md")]) == 0
    page = (tmp_path / "page.md").read_text()
    assert page.count("$$") % 2 == 0 and "\\begin{aligned}" in page
    figures = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert figures == ["page-dw-first.svg", "page-dw-last.svg", "page-gather.svg",
                       "page-input.svg", "page-kernel-rot180.svg", "page-kernel.svg",
                       "page-spray-0.svg", "page-spray-1.svg",
                       "page-warmup.svg"]
    for name in figures:
        assert f"({name})" in page
        root = ET.parse(tmp_path / name).getroot()
        assert root.tag.endswith("svg") and len(root) > 3
        assert "#" not in root.find("{http://www.w3.org/2000/svg}title").text   # no hex codes
    assert "$" not in "".join(line.split("](")[0] for line in page.splitlines()
                              if line.startswith("!["))   # alt text is plain


def test_markdown_is_deterministic():
    derivation = run(*from_arguments("--input 4x4x4 --kernel 2 --stride 2"))
    assert markdown_document(derivation, "d") == markdown_document(derivation, "d")


def test_pdf_with_markdown_is_refused(tmp_path, capsys):
    assert main(["latex", "--format", "md", "--pdf", "-o", str(tmp_path / "a.md")]) == 2
    assert capsys.readouterr().err == "symconv: error: --pdf: applies to --format tex only\n"
    assert not list(tmp_path.iterdir())


def test_default_command_writes_every_artifact(tmp_path):
    process = subprocess.run([sys.executable, "-m", "symconv"], cwd=tmp_path,
                             capture_output=True, text=True, check=False,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.returncode == 0, process.stderr
    out = tmp_path / "symconv-out"
    names = {p.name for p in out.iterdir()}
    assert {"derivation.tex", "derivation.md", "conv.py", "proof.json",
            "derivation-input.svg"} <= names
    assert ("derivation.pdf" in names) == bool(shutil.which("pdflatex"))
    assert "all 3 identities proven" in process.stdout
    assert (out / "derivation.tex").read_text() == (GENERATED / "classic-3x3-k2"
                                                    / "derivation.tex").read_text()


def test_default_command_without_pdflatex_removes_a_stale_pdf(tmp_path):
    """Without pdflatex the main job leaves no PDF of an earlier run beside the new .tex: it
    is removed in the same all-or-nothing write (other files in the folder are kept)."""
    out = tmp_path / "symconv-out"
    out.mkdir()
    (out / "derivation.pdf").write_bytes(b"%PDF-1.5 an earlier run's document")
    (out / "notes.txt").write_text("mine")
    bare = tmp_path / "bin"   # a PATH with python and nothing else: no pdflatex
    bare.mkdir()
    (bare / "python").symlink_to(sys.executable)
    process = subprocess.run([str(bare / "python"), "-m", "symconv"], cwd=tmp_path,
                             capture_output=True, text=True, check=False,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "PATH": str(bare)})
    assert process.returncode == 0, process.stderr
    assert "removed the earlier derivation.pdf" in process.stdout
    assert "derivation.pdf" not in process.stdout.split("wrote ", 1)[1]
    names = {p.name for p in out.iterdir()}
    assert "derivation.pdf" not in names and {"derivation.tex", "notes.txt"} <= names
    assert (out / "notes.txt").read_text() == "mine"
