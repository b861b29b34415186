"""Issue #9: every bad output target exits 2 with one line naming it, and nothing is written."""

from __future__ import annotations

import pytest

from symconv.cli import main

SMALL = ["--input", "3x3", "--kernel", "2"]


def refused(args, capsys, tmp_path, *names):
    """Run ``symconv ARGS``: exit 2, one ``symconv: error:`` line naming each of ``names``,
    and no file written or removed in ``tmp_path``."""
    before = {p: p.lstat().st_mode for p in tmp_path.rglob("*")}
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("symconv: error: ") and captured.err.count("\n") == 1, \
        captured.err
    assert "Traceback" not in captured.err
    for name in names:
        assert name in captured.err, captured.err
    assert {p: p.lstat().st_mode for p in tmp_path.rglob("*")} == before
    return captured.err


# 9.13: -o and the output kind


@pytest.mark.parametrize("args, name", [
    (["latex", "-o", "y.pdf", "--pdf"], "y.pdf"),
    (["latex", "--format", "md", "-o", "x.tex"], "x.tex"),
    (["latex", "--format", "tex", "-o", "x.md"], "x.md"),
    (["latex", "-o", "x.txt"], "x.txt"),
    (["latex", "-o", "x.md", "--pdf"], "--pdf"),
    (["codegen", "-o", "x.tex"], "x.tex"),
    (["codegen", "-o", "x"], "x"),
    (["latex", "--format", "md", "-o", "-"], "standard output"),
    (["latex", "--pdf", "-o", "-"], "standard output"),
], ids=lambda value: " ".join(value) if isinstance(value, list) else None)
def test_output_kind_contradictions_are_refused(args, name, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = refused([*args, *SMALL], capsys, tmp_path, name)
    assert "-o" in err or "--pdf" in err


def test_format_is_inferred_from_the_suffix(tmp_path, capsys):
    assert main(["latex", *SMALL, "-o", str(tmp_path / "a.md")]) == 0
    assert (tmp_path / "a.md").read_text().count("$$") >= 2
    assert (tmp_path / "a-input.svg").exists()
    assert main(["latex", *SMALL, "-o", str(tmp_path / "b.tex")]) == 0
    assert (tmp_path / "b.tex").read_text().startswith("\\documentclass")


@pytest.mark.parametrize("args, start", [
    (["latex", "--format", "tex", "-o", "-"], "\\documentclass"),
    (["latex", "-o", "-"], "\\documentclass"),
    (["codegen", "-o", "-"], '"""'),
])
def test_dash_is_standard_output(args, start, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([*args, *SMALL]) == 0
    out = capsys.readouterr().out
    assert out.lstrip().startswith(start), out[:200]
    assert not list(tmp_path.iterdir())
