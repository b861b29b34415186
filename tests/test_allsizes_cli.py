"""The all-sizes proof from the outside: ``symconv prove --all-sizes``, ``symconv latex
--all-sizes``, ``symconv.prove_all_sizes`` and the all-sizes document of the golden record.

The proof takes about a second per rank, so the unplanted proofs are cached for the session
(the CLI's prover is replaced by the cached one); the planted-bug tests run the real thing.
"""

from __future__ import annotations

import json
import subprocess

import pytest

import symconv
import symconv.commands.all_sizes as cli
from symconv.algebra import arithmetic
from symconv.all_sizes import (
    all_sizes_document,
    all_sizes_latex,
    all_sizes_markdown,
    without_seconds,
)
from symconv.allsizes import AllSizesResult
from symconv.allsizes.document import NotProvenError
from symconv.catalogue import ALL_SIZES
from symconv.cli import main
from tests.test_documents import GENERATED, require_pdflatex

_PROOFS: dict = {}


def proof(rank: int) -> AllSizesResult:
    """``symconv.prove_all_sizes(rank)``, once per session."""
    if rank not in _PROOFS:
        _PROOFS[rank] = symconv.prove_all_sizes(rank=rank)
    return _PROOFS[rank]


@pytest.fixture
def cached(monkeypatch):
    """The CLI with the session's cached proofs (unplanted formulas only)."""
    monkeypatch.setattr(cli, "prove_all_sizes", lambda rank: proof(rank))


@pytest.fixture
def planted(monkeypatch):
    """The code's dX padding without ``+r`` (the instance pipeline reads it too)."""
    original = arithmetic.input_grad_padding

    def without_r(k, d, p_lo, p_hi, r):
        lo, hi = original(k, d, p_lo, p_hi, r)
        return lo, hi - r
    monkeypatch.setattr(arithmetic, "input_grad_padding", without_r)


def test_api_proves_every_size():
    result = proof(1)
    assert isinstance(result, AllSizesResult) and result.proven and result.rank == 1
    assert [i.name for i in result.identities] == ["dW", "dX", "db"]
    assert [lemma.name for lemma in result.lemmas] == ["groups"]
    assert "prove_all_sizes" in symconv.__all__


def test_prove_all_sizes_prints_the_report(cached, capsys):
    assert main(["prove", "--all-sizes", "--rank", "1"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    for name in ("dW", "dX", "db", "groups"):
        line = next(line for line in lines if line.strip().startswith(name))
        assert "proven" in line and "obligations" in line and " s " in line
    assert [line.split()[0] for line in lines if line.startswith("  (H")] == \
        [f"(H{k})" for k in range(1, 7)]
    assert "Verdict: proven for all sizes (rank 1)" in out


def test_rank_defaults_to_two(cached, capsys):
    assert main(["prove", "--all-sizes", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rank"] == 2 and report["proven"] is True
    assert report["instance_check"] is None and report["counterexample"] is None
    assert [i["name"] for i in report["identities"]] == ["dW", "dX", "db"]
    one = proof(1).report()
    for item, single in zip(report["identities"], one["identities"]):
        assert item["obligations"] == 2 * single["obligations"]
        assert all(o["proven"] and o["certificate"] for o in item["obligation_list"])


def test_json_report_is_deterministic_apart_from_seconds():
    fresh = symconv.prove_all_sizes(rank=1)
    assert without_seconds(fresh.report()) == without_seconds(proof(1).report())
    assert "seconds" in json.dumps(fresh.report())
    assert "seconds" not in json.dumps(without_seconds(fresh.report()))


@pytest.mark.parametrize("argv, names", [
    (["prove", "--all-sizes", "--rank", "4"], "--rank"),
    (["prove", "--all-sizes", "--rank", "two"], "--rank"),
    (["prove", "--rank", "2"], "--rank"),
    (["prove", "--all-sizes", "--input", "5x5"], "--input"),
    (["prove", "--all-sizes", "--kernel", "3", "--groups", "2"], "--kernel, --groups"),
    (["prove", "--all-sizes", "--layer", "relu"], "--layer relu"),
    (["latex", "--all-sizes", "--input", "5", "-o", "{tmp}/p.tex"], "--input"),
    (["latex", "--rank", "1", "-o", "{tmp}/p.tex"], "--rank"),
    (["latex", "--all-sizes", "-o", "{tmp}/p.md", "--pdf"], "--pdf"),
    (["latex", "--all-sizes", "-o", "{tmp}/p.txt"], "-o"),
])
def test_bad_usage_is_refused_with_one_line(argv, names, tmp_path, capsys, monkeypatch):
    def never(rank):
        raise AssertionError("refused before any proof")
    monkeypatch.setattr(cli, "prove_all_sizes", never)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("symconv: error: ") and captured.err.count("\n") == 1
    assert names in captured.err
    assert list(tmp_path.iterdir()) == []


def test_planted_bug_fails_with_a_confirmed_counterexample(planted, capsys):
    assert main(["prove", "--all-sizes", "--rank", "1"]) == 1
    out = capsys.readouterr().out
    assert "Verdict: NOT proven." in out
    failure = next(line for line in out.splitlines() if line.startswith("  dX: "))
    assert "no certificate for" in failure and "length" in failure
    assert "smallest counterexample layer: --input 1 --kernel 1 --stride 2" in out
    assert "instance prover on that layer: not proven: dX failed" in out


def test_planted_bug_in_json_and_in_the_instance_prover(planted, capsys):
    assert main(["prove", "--all-sizes", "--rank", "2", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["proven"] is False
    failed = [i for i in report["identities"] if not i["proven"]]
    assert [i["name"] for i in failed] == ["dX"] and failed[0]["failure"]
    check = report["instance_check"]
    assert check["options"] == report["counterexample"] and check["options"]["input"] == "1x1"
    assert check["proven"] is False and check["failed"] == ["dX"]
    options = {key.replace("-", "_"): value for key, value in check["options"].items()}
    assert not symconv.derive("conv", **options).proven


def test_latex_refuses_a_failed_proof_and_writes_nothing(planted, tmp_path, capsys):
    assert main(["latex", "--all-sizes", "--rank", "1", "-o", str(tmp_path / "p.tex")]) == 1
    assert "nothing was written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    result = symconv.prove_all_sizes(rank=1, counterexample=False)
    with pytest.raises(NotProvenError):
        all_sizes_latex(result)


def test_latex_writes_tex_and_markdown(cached, tmp_path, capsys):
    tex, md = tmp_path / "proof.tex", tmp_path / "proof.md"
    assert main(["latex", "--all-sizes", "--rank", "1", "-o", str(tex)]) == 0
    assert main(["latex", "--all-sizes", "--rank", "1", "--format", "md", "-o", str(md)]) == 0
    assert capsys.readouterr().out == f"wrote {tex}\nwrote {md}\n"
    assert tex.read_text() == all_sizes_latex(proof(1))
    assert md.read_text() == all_sizes_markdown(proof(1), "proof")
    assert tex.read_text().startswith("\\documentclass") and "\\end{document}" in tex.read_text()
    assert md.read_text().startswith("# The convolution gradients for all sizes (rank 1)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proof.md", "proof.tex"]
    assert main(["latex", "--all-sizes", "--rank", "1", "-o", "-"]) == 0
    assert capsys.readouterr().out == all_sizes_latex(proof(1))


def test_document_has_every_part_and_every_obligation():
    result = proof(2)
    document = all_sizes_document(result)
    headings = document.headings()
    for part in ("Statement", "Definitions", "Rules", "Lemmas: lengths", "The identity dW",
                 "The identity dX", "The identity db", "The chain-rule side",
                 "The closed-form side", "Both sides in normal form", "Obligations of dX",
                 "Channels, groups and N-d", "Summary"):
        assert part in headings, part
    md = all_sizes_markdown(result)
    for label in [f"**(H{k})**" for k in range(1, 7)] + [f"**R{k} " for k in range(1, 7)]:
        assert label in md, label
    for word in ("delta sum", "rot180", "This is where $+r$ is needed", "R1 delta:",
                 "R2 reindex:", "negated goal", "sum (expanded)"):
        assert word in md, word
    total = sum(i.obligations for i in result.identities + result.lemmas)
    shown = md.count("\\text{certificate}")
    assert shown == total == sum(len(i.checked) for i in result.identities + result.lemmas)
    assert "seconds" not in md and " s " not in md.split("## Summary")[1]


def test_golden_record_holds_the_all_sizes_proof():
    assert ALL_SIZES == {"all-sizes-rank2": 2}
    folder = GENERATED / "all-sizes-rank2"
    assert sorted(p.name for p in folder.iterdir()) == ["derivation.md", "derivation.tex",
                                                       "proof.json"]
    report = json.loads((folder / "proof.json").read_text())
    assert report == without_seconds(proof(2).report())
    assert (folder / "derivation.tex").read_text() == all_sizes_latex(proof(2))
    index = (GENERATED / "README.md").read_text()
    assert "[all-sizes-rank2](all-sizes-rank2/derivation.md)" in index


def test_conv_document_points_to_the_all_sizes_proof():
    md = symconv.derive("conv", input=(3, 3), kernel=2).markdown()
    line = next(line for line in md.splitlines() if "**all sizes**" in line)
    assert "`symconv prove --all-sizes`" in line and "all-sizes-rank2" in line


def _compile(tex_path):
    process = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                              tex_path.name], cwd=tex_path.parent, capture_output=True,
                             text=True, stdin=subprocess.DEVNULL, timeout=180, check=False)
    assert process.returncode == 0, process.stdout[-2000:]
    log = tex_path.with_suffix(".log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log, "something runs off the page"


@pytest.mark.latex
def test_golden_all_sizes_document_compiles(tmp_path):
    require_pdflatex()
    target = tmp_path / "derivation.tex"
    target.write_text((GENERATED / "all-sizes-rank2" / "derivation.tex").read_text())
    _compile(target)


@pytest.mark.latex
def test_latex_pdf_of_the_widest_rank(cached, tmp_path, capsys):
    require_pdflatex()
    target = tmp_path / "proof.tex"
    assert main(["latex", "--all-sizes", "--rank", "3", "-o", str(target), "--pdf"]) == 0
    assert (tmp_path / "proof.pdf").read_bytes().startswith(b"%PDF")
    _compile(target)
